//! Which assessment criterion a section heading names.

use super::cells::has_word;
use super::CriteriaSet;
use crate::domain::text::fold_words;

/// The criterion (1..=5) a section heading names in `set`, if any.
pub fn heading_criterion(heading: &str, set: CriteriaSet) -> Option<u8> {
    criterion_reading(heading, set).map(|(criterion, _)| criterion)
}

/// The criterion a heading names in `set`, and whether its wording belongs to the other set
/// only (a pre-2018 "время ожидания" heading in a 2018 plan, or the reverse).
pub(super) fn criterion_reading(heading: &str, set: CriteriaSet) -> Option<(u8, bool)> {
    let folded = fold_words(heading);
    let has = |stem: &str| has_word(&folded, stem);
    let disabled = has("инвалид") || has("ограниченн") || has("маломобильн");
    let pre = set == CriteriaSet::Pre2018;
    if has("открытост") {
        Some((1, false))
    } else if has("комфортност") {
        Some((2, false))
    } else if has("ожидани") {
        Some(if pre { (3, false) } else { (2, true) })
    } else if has("доступност") && disabled {
        Some(if pre { (2, true) } else { (3, false) })
    } else if has("доброжелательност") || has("вежливост") || has("компетентност")
    {
        Some((4, false))
    } else if has("удовлетворенност") {
        Some((5, false))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan_form::test_tables::*;

    #[test]
    fn criteria_sets_map_headings_differently() {
        let waiting = "Время ожидания предоставления социальной услуги";
        assert_eq!(heading_criterion(waiting, CriteriaSet::Pre2018), Some(3));
        assert_eq!(
            heading_criterion(waiting, CriteriaSet::Mintrud2018),
            Some(2)
        );
        let disabled = "Доступность услуг для инвалидов";
        assert_eq!(
            heading_criterion(disabled, CriteriaSet::Mintrud2018),
            Some(3)
        );
        assert_eq!(heading_criterion(disabled, CriteriaSet::Pre2018), Some(2));
        let pre_comfort = "Комфортность условий и доступность получения услуг, в том числе для граждан с ограниченными возможностями здоровья";
        assert_eq!(
            heading_criterion(pre_comfort, CriteriaSet::Pre2018),
            Some(2)
        );
        assert_eq!(
            heading_criterion(pre_comfort, CriteriaSet::Mintrud2018),
            Some(2)
        );
        assert_eq!(
            heading_criterion(
                "Доброжелательность, вежливость работников",
                CriteriaSet::Mintrud2018
            ),
            Some(4)
        );
        assert_eq!(
            heading_criterion(
                "Удовлетворённость условиями оказания услуг",
                CriteriaSet::Mintrud2018
            ),
            Some(5)
        );
        assert_eq!(
            heading_criterion("Прочие мероприятия", CriteriaSet::Pre2018),
            None
        );
        // Latin look-alikes in Cyrillic words, as the deadline reader folds them.
        assert_eq!(
            heading_criterion("Oткрытость и доступность информации", CriteriaSet::Pre2018),
            Some(1)
        );

        let table: &[&[&str]] = &[
            HEADER,
            &[waiting, "", "", ""],
            &["1", "Вести график приема", "постоянно", ""],
            &["Прочие мероприятия", "", "", ""],
            &["2", "Провести ремонт", "2019 год", ""],
        ];
        let plan = read_plan_table(&rows(table), CriteriaSet::Mintrud2018).unwrap();
        let criteria: Vec<Option<u8>> = plan.sections.iter().map(|s| s.criterion).collect();
        assert_eq!(criteria, [Some(2), None]);
        let warned: Vec<usize> = plan.warnings.iter().map(|w| w.row).collect();
        assert_eq!(warned, [2, 4]);
    }
}
