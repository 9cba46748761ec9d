//! One status-machine mechanism for cycles, plans and reports: each status names the moves its
//! machine allows; who may take a move is the policy table's, what a move needs besides (data
//! in place, side effects) is the use case's.

/// A status of a machine whose moves are listed.
pub trait StatusMachine: Copy + PartialEq + 'static {
    /// What the machine's subject is called in messages: `cycle`, `plan`, `report`.
    const SUBJECT: &'static str;
    /// Every allowed move, `(from, to)`.
    const MOVES: &'static [(Self, Self)];

    /// The status as the API writes it.
    fn name(self) -> &'static str;

    fn can_become(self, to: Self) -> bool {
        Self::MOVES.contains(&(self, to))
    }

    /// Why the machine refuses to move from `self` to `to` (a 409's detail), or `None`.
    fn refusal(self, to: Self) -> Option<String> {
        (!self.can_become(to)).then(|| {
            format!(
                "The {} is {}; it cannot become {} from there",
                Self::SUBJECT,
                self.name(),
                to.name()
            )
        })
    }
}
