//! Deadlines of improvement-plan measures (графа «Срок реализации», form of ПП РФ № 457).
//!
//! Real plans write deadlines as free Russian text: dates, quarters, recurrences, «постоянно»,
//! terms counted from an event, and combinations of these. [`parse`] never rejects text: it keeps
//! the original verbatim, extracts what it recognises and keeps the rest as
//! [`DeadlinePart::Unstructured`] with a warning. Due dates derive from the structure, an injected
//! `today` and the plan year, which supplies the year to forms written without one («IV квартал»).

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::{clean_markup, fold_word, month_of, unwrap_lines};

/// A measure's deadline: the text as written and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "text": "до 31.12.2017 и при внесении изменений в срок не позднее 3-х дней после утверждения соответствующего приказа",
    "parts": [
        {"kind": "date", "date": "2017-12-31"},
        {"kind": "event_relative", "amount": 3, "unit": "days",
         "event": "после утверждения соответствующего приказа", "condition": "при внесении изменений"}
    ],
    "warnings": []
}))]
pub struct Deadline {
    /// The deadline exactly as written in the plan.
    pub text: String,
    /// What the text says, in its order; several when it combines forms. Texts inside parts are
    /// excerpts of `text` with markup removed and whitespace collapsed.
    pub parts: Vec<DeadlinePart>,
    /// What could not be understood; empty when the whole text is structured.
    pub warnings: Vec<String>,
}

/// A day of a year left unnamed: «31 декабря» in «ежегодно до 31 декабря».
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct DayMonth {
    #[schema(minimum = 1, maximum = 31)]
    pub day: u32,
    #[schema(minimum = 1, maximum = 12)]
    pub month: u32,
}

/// How often a recurring measure falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// «еженедельно», «1 раз в неделю»: due by the end of each week (Sunday).
    Weekly,
    /// «ежемесячно»: due by the end of each month.
    Monthly,
    /// «ежеквартально», «1 раз в квартал»: due by the end of each quarter.
    Quarterly,
    /// «1 раз в полугодие»: due by 30 June and 31 December.
    HalfYearly,
    /// «ежегодно»: due by 31 December, or by the day named.
    Yearly,
}

/// Unit of a term counted from an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelativeUnit {
    /// Calendar days («дней», «календарных дней», «3-дневный срок»).
    Days,
    /// Working days («рабочих дней»).
    WorkingDays,
    /// «недель».
    Weeks,
    /// «месяцев», «в течение месяца».
    Months,
}

/// One recognised form within a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlinePart {
    /// By this date: «до 31.12.2018», «30 ноября 2017 г.».
    Date { date: NaiveDate },
    /// By this day of the plan year: «до 31 марта».
    DayMonth {
        #[schema(minimum = 1, maximum = 31)]
        day: u32,
        #[schema(minimum = 1, maximum = 12)]
        month: u32,
    },
    /// Within a month: «декабрь 2017», «в декабре» (no year: the plan year).
    Month {
        year: Option<i32>,
        #[schema(minimum = 1, maximum = 12)]
        month: u32,
    },
    /// Within a quarter: «2 квартал 2017 год», «IV квартал», «в течение 1 квартала».
    Quarter {
        year: Option<i32>,
        #[schema(minimum = 1, maximum = 4)]
        quarter: u32,
    },
    /// Within a half-year: «1 полугодие 2018».
    HalfYear {
        year: Option<i32>,
        #[schema(minimum = 1, maximum = 2)]
        half: u32,
    },
    /// Within a year: «2017 год», «в течение года» (no year: the plan year).
    Year { year: Option<i32> },
    /// Within years: «2017-2018 гг.».
    YearRange { from: i32, to: i32 },
    /// Again and again: «ежеквартально», «ежегодно до 31 декабря», «1 раз в полугодие».
    Recurring {
        every: Period,
        /// The day a yearly recurrence falls due, if named.
        by: Option<DayMonth>,
    },
    /// Permanently: «постоянно», with its note kept («по отдельным планам»).
    Continuous { note: Option<String> },
    /// A term counted from an event: «не позднее 3-х дней после утверждения приказа».
    EventRelative {
        amount: u32,
        unit: RelativeUnit,
        /// The event as written, with its preposition («после утверждения приказа»); may be empty.
        event: String,
        /// When the term applies, if the text says so («при внесении изменений»).
        condition: Option<String>,
    },
    /// Set by another document: «согласно индивидуальным планам организаций».
    PerPlan { reference: String },
    /// Text not understood, kept as written; a warning says so.
    Unstructured { text: String },
}

impl Deadline {
    /// Latest date by which the one-off parts are met (end of the quarter, month, year …); `None`
    /// when the deadline is only continuous, recurring, event-relative, per plan or unstructured,
    /// or names no year and `plan_year` is `None`.
    pub fn final_due(&self, plan_year: Option<i32>) -> Option<NaiveDate> {
        self.parts.iter().filter_map(|p| p.due(plan_year)).max()
    }

    /// Earliest due date on or after `today`: recurring parts roll forward (never before the plan
    /// year begins), one-off parts give their date while it is ahead.
    pub fn next_due(&self, today: NaiveDate, plan_year: Option<i32>) -> Option<NaiveDate> {
        self.parts
            .iter()
            .filter_map(|p| p.next_due(today, plan_year))
            .min()
    }

    /// Whether a measure not yet done is overdue: its final due date is before `today`.
    pub fn is_overdue(&self, today: NaiveDate, plan_year: Option<i32>) -> bool {
        self.final_due(plan_year).is_some_and(|due| due < today)
    }

    /// Whether the text was understood completely: some part, none unstructured.
    pub fn is_structured(&self) -> bool {
        !self.parts.is_empty()
            && !self
                .parts
                .iter()
                .any(|p| matches!(p, DeadlinePart::Unstructured { .. }))
    }
}

impl DeadlinePart {
    /// The one-off due date, the plan year standing in for a missing year.
    fn due(&self, plan_year: Option<i32>) -> Option<NaiveDate> {
        match *self {
            Self::Date { date } => Some(date),
            Self::DayMonth { day, month } => day_in(plan_year?, DayMonth { day, month }),
            Self::Month { year, month } => month_end(year.or(plan_year)?, month),
            Self::Quarter { year, quarter } => {
                month_end(year.or(plan_year)?, quarter.checked_mul(3)?)
            }
            Self::HalfYear { year, half } => month_end(year.or(plan_year)?, half.checked_mul(6)?),
            Self::Year { year } => month_end(year.or(plan_year)?, 12),
            Self::YearRange { to, .. } => month_end(to, 12),
            _ => None,
        }
    }

    fn next_due(&self, today: NaiveDate, plan_year: Option<i32>) -> Option<NaiveDate> {
        let Self::Recurring { every, by } = *self else {
            return match self.due(plan_year) {
                Some(due) => (due >= today).then_some(due),
                // Without any year, «до 31 марта» or «IV квартал» comes round every year.
                None if self.is_yearless() => first_on_or_after(today, |y| self.due(Some(y))),
                None => None,
            };
        };
        // A plan's recurrences start with its year.
        let from = plan_year
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .map_or(today, |start| start.max(today));
        let (year, month) = (from.year(), from.month());
        match every {
            Period::Weekly => from.checked_add_days(Days::new(
                6 - u64::from(from.weekday().num_days_from_monday()),
            )),
            Period::Monthly => month_end(year, month),
            Period::Quarterly => month_end(year, month.div_ceil(3) * 3),
            Period::HalfYearly => month_end(year, if month <= 6 { 6 } else { 12 }),
            Period::Yearly => first_on_or_after(from, |y| match by {
                Some(by) => day_in(y, by),
                None => month_end(y, 12),
            }),
        }
    }

    fn is_yearless(&self) -> bool {
        matches!(
            self,
            Self::DayMonth { .. }
                | Self::Month { year: None, .. }
                | Self::Quarter { year: None, .. }
                | Self::HalfYear { year: None, .. }
                | Self::Year { year: None }
        )
    }
}

/// Last day of `month` in `year`; `None` for a month that does not exist.
fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// The day in `year`; 29 February falls on the 28th in common years.
fn day_in(year: i32, d: DayMonth) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, d.month, d.day).or_else(|| {
        (d.month == 2 && d.day == 29)
            .then(|| NaiveDate::from_ymd_opt(year, 2, 28))
            .flatten()
    })
}

/// The first yearly occurrence on or after `from`.
fn first_on_or_after(
    from: NaiveDate,
    in_year: impl Fn(i32) -> Option<NaiveDate>,
) -> Option<NaiveDate> {
    let year = from.year();
    [Some(year), year.checked_add(1)]
        .into_iter()
        .flatten()
        .filter_map(in_year)
        .find(|due| *due >= from)
}

// ---------------------------------------------------------------------------------------------
// Parsing: the text is cleaned (markup, hyphenation, whitespace), cut into folded tokens, and read
// left to right; each position tries the forms below, unknown tokens gather into unstructured runs.

/// Reads a deadline as written. Never fails and never loses text: what is not understood becomes
/// a [`DeadlinePart::Unstructured`] part with a warning.
pub fn parse(text: &str) -> Deadline {
    let cleaned = clean(text);
    let t = Tokens::new(&cleaned);
    let mut out = Deadline {
        text: text.to_owned(),
        parts: Vec::new(),
        warnings: Vec::new(),
    };
    if is_none(&cleaned) {
        out.warnings.push("no deadline given".into());
        return out;
    }
    // Tokens [start, end) not understood. Forms met inside such text, up to the end of its
    // clause, belong to it: «2 раза в 2016 году», «кроме июня, июля» set no deadline of their own.
    let mut run: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < t.len() {
        if t.ends_clause(i) {
            out.unrecognised(&t, run.take());
        }
        let Some((found, next)) = ITEMS.iter().find_map(|item| item(&t, i)) else {
            if !t.is_connector(i) {
                run = Some((run.map_or(i, |(start, _)| start), i + 1));
            }
            i += 1;
            continue;
        };
        match (run, found) {
            // «при внесении изменений в срок не позднее 3-х дней …»: the lead-in is a condition.
            (
                Some((start, end)),
                Ok(DeadlinePart::EventRelative {
                    amount,
                    unit,
                    event,
                    condition: None,
                }),
            ) if end == i => {
                let condition = Some(t.text(start, end));
                out.parts.push(DeadlinePart::EventRelative {
                    amount,
                    unit,
                    event,
                    condition,
                });
                run = None;
            }
            (Some((start, _)), found) => {
                out.warnings.extend(found.err());
                run = Some((start, next));
            }
            (None, Ok(part)) => out.parts.push(part),
            (None, Err(why)) => out.unstructured(t.text(i, next), why),
        }
        i = next.max(i + 1);
    }
    out.unrecognised(&t, run);
    if out.parts.is_empty() {
        out.warnings.push("no deadline given".to_owned());
    }
    out
}

impl Deadline {
    fn unstructured(&mut self, text: String, why: String) {
        self.warnings.push(why);
        self.parts.push(DeadlinePart::Unstructured { text });
    }

    fn unrecognised(&mut self, t: &Tokens<'_>, run: Option<(usize, usize)>) {
        if let Some((start, end)) = run {
            let text = t.text(start, end);
            let why = format!("unrecognised deadline text «{text}»");
            self.unstructured(text, why);
        }
    }
}

/// A form recognised at a token: the part (or why its values are impossible) and the next token.
type Found = Option<(Result<DeadlinePart, String>, usize)>;

/// Forms in the order they are tried: specific before general («не позднее 3-х дней» is a term,
/// «не позднее 31.12.2018» a date, «в течение 1 квартала» a quarter).
const ITEMS: [fn(&Tokens<'_>, usize) -> Found; 6] = [
    continuous,
    per_plan,
    event_relative,
    recurring,
    date,
    period,
];

use vocabulary::*;

/// The words of deadlines, folded (lower case, «е» for «ё»); phrases are space-separated tokens.
#[rustfmt::skip]
mod vocabulary {
    use super::{Period::*, RelativeUnit::*, Period, RelativeUnit};

    pub const CONTINUOUS: &[&str] = &["постоянно", "на постоянной основе", "в постоянном режиме", "бессрочно"];
    pub const PER_PLAN: &[&str] = &[
        "согласно", "в соответствии", "в сроки", "по плану", "по планам", "по графику",
        "по отдельным", "по отдельному", "по индивидуальным", "по индивидуальному",
    ];
    // Longer leads first: the first match wins.
    pub const EVENT_LEADS: &[&str] = &[
        "в срок не позднее", "в срок не позже", "не позднее", "не позже", "в течение", "в срок до",
        "через", "в срок", "в",
    ];
    pub const DATE_LEADS: &[&str] = &[
        "в срок до", "в срок не позднее", "в срок не позже", "не позднее", "не позже", "срок до",
        "до", "по", "к", "в срок", "с",
    ];
    /// Leads of the day a yearly recurrence falls due: «ежегодно до 31 декабря».
    pub const BY_LEADS: &[&str] = &["до", "не позднее", "не позже", "к", "по", "в срок до"];
    pub const PERIOD_LEADS: &[&str] = &[
        "в течение", "до конца", "к концу", "не позднее", "не позже", "в", "во", "на", "с",
    ];
    pub const YEAR_WORDS: &[&str] = &["г", "год", "года", "году", "гг", "годы", "годов", "годах", "годам"];
    /// Word stems of recurrences: «ежеквартально», «ежегодный».
    pub const EVERY_STEMS: &[(&str, Period)] = &[
        ("еженедел", Weekly), ("ежемесяч", Monthly), ("ежекварт", Quarterly),
        ("ежеполугод", HalfYearly), ("ежегод", Yearly),
    ];
    /// Nouns of «1 раз в …».
    pub const EVERY_NOUNS: &[(&str, Period)] = &[
        ("неделю", Weekly), ("месяц", Monthly), ("квартал", Quarterly), ("полугодие", HalfYearly),
        ("полгода", HalfYearly), ("год", Yearly),
    ];
    /// «рабочих дней» counts working days, «календарных дней» calendar ones.
    pub const DAY_KINDS: &[(&str, bool)] = &[
        ("рабочих", true), ("рабочего", true), ("рабочие", true), ("рабочий", true), ("раб .", true),
        ("раб", true), ("календарных", false), ("календарного", false), ("календарные", false),
        ("календарный", false), ("кал .", false), ("кал", false),
    ];
    pub const UNITS: &[(&str, RelativeUnit)] = &[
        ("день", Days), ("дня", Days), ("дней", Days), ("дн", Days), ("дневный", Days),
        ("дневного", Days), ("неделя", Weeks), ("недели", Weeks), ("недель", Weeks), ("неделю", Weeks),
        ("недельный", Weeks), ("месяц", Months), ("месяца", Months), ("месяцев", Months),
        ("месячный", Months),
    ];
    pub const NUMBER_WORDS: &[(&str, u32)] = &[
        ("один", 1), ("одного", 1), ("одной", 1), ("одну", 1), ("два", 2), ("две", 2), ("двух", 2),
        ("три", 3), ("трех", 3), ("четыре", 4), ("четырех", 4), ("пять", 5), ("пяти", 5),
        ("шесть", 6), ("шести", 6), ("семь", 7), ("семи", 7), ("десять", 10), ("десяти", 10),
        ("пятнадцать", 15), ("пятнадцати", 15), ("двадцать", 20), ("двадцати", 20),
        ("тридцать", 30), ("тридцати", 30),
    ];
    pub const ROMAN: [&str; 4] = ["i", "ii", "iii", "iv"];
    pub const ORDINAL_STEMS: [&str; 4] = ["перв", "втор", "трет", "четверт"];
    /// Endings written after a number: «3-х», «10-ти», «2-й», «1-го».
    pub const NUMBER_ENDINGS: &[&str] = &["х", "x", "ти", "и", "ми", "й", "го", "ого", "ый", "ой", "ий", "е", "я", "м"];
    /// Tokens that join or end forms and never start one.
    pub const CONNECTORS: &[&str] = &[
        ",", ";", ".", ":", "-", "–", "—", "и", "а", "также", "далее", "затем", "или",
    ];
}

/// «постоянно», «Постоянно (по отдельным планам)».
fn continuous(t: &Tokens<'_>, i: usize) -> Found {
    let j = t.any(i, CONTINUOUS)?;
    if !t.is(j, "(") {
        return Some((Ok(DeadlinePart::Continuous { note: None }), j));
    }
    let end = t.clause_end(j);
    let close = (j + 1..end).find(|&k| t.is(k, ")"));
    let note = t.text(j + 1, close.unwrap_or(end));
    let note = (!note.is_empty()).then_some(note);
    Some((
        Ok(DeadlinePart::Continuous { note }),
        close.map_or(end, |c| c + 1),
    ))
}

/// «согласно индивидуальным планам …», «в сроки, установленные планом мероприятий».
fn per_plan(t: &Tokens<'_>, i: usize) -> Found {
    t.any(i, PER_PLAN)?;
    let end = t.clause_end(i);
    let reference = t.text(i, end);
    Some((Ok(DeadlinePart::PerPlan { reference }), end))
}

/// «не позднее 3-х дней после …», «в течение 10 рабочих дней со дня …», «в 3-дневный срок».
fn event_relative(t: &Tokens<'_>, i: usize) -> Found {
    let (lead, j) = t.lead(i, EVENT_LEADS)?;
    let (amount, j) = match t.count(j) {
        Some((amount, k)) => (amount, k),
        // «в течение месяца» means one; a bare «в день» is no term.
        None if lead != "в" => (Some(1), j),
        None => return None,
    };
    let j = t.any(j, &["-"]).unwrap_or(j);
    let (working, j) = t.lookup(j, DAY_KINDS).unwrap_or((false, j));
    let (unit, j) = t.lookup(j, UNITS)?;
    let unit = match unit {
        RelativeUnit::Days if working => RelativeUnit::WorkingDays,
        unit => unit,
    };
    let j = t.any(j, &["срок"]).unwrap_or(j);
    let end = t.clause_end(j);
    let part = amount
        .map(|amount| DeadlinePart::EventRelative {
            amount,
            unit,
            event: t.text(j, end),
            condition: None,
        })
        .ok_or_else(|| format!("number too large in «{}»", t.text(i, j)));
    Some((part, end))
}

/// «ежеквартально», «ежегодно до 31 декабря», «1 раз в полугодие».
fn recurring(t: &Tokens<'_>, i: usize) -> Found {
    let (every, j) = match EVERY_STEMS
        .iter()
        .find(|(stem, _)| t.w(i).starts_with(stem))
    {
        Some(&(_, every)) => (every, i + 1),
        None => {
            let j = t.any(i, &["1", "один"]).unwrap_or(i);
            let j = t.any(j, &["раз в", "раз во"])?;
            t.lookup(j, EVERY_NOUNS)?
        }
    };
    // Only a yearly recurrence names a day of the year; a day with a year is a date of its own.
    let by = (every == Period::Yearly)
        .then(|| {
            let k = t.any(j, &[","]).unwrap_or(j);
            let k = t.any(k, BY_LEADS)?;
            match t.day_month(k)? {
                (day, None, next) if day_in(2000, day).is_some() => Some((day, next)),
                _ => None,
            }
        })
        .flatten();
    Some((
        Ok(DeadlinePart::Recurring {
            every,
            by: by.map(|(day, _)| day),
        }),
        by.map_or(j, |(_, next)| next),
    ))
}

/// «до 31.12.2018», «30 ноября 2017 г.», «до 31 марта», «с 01.01.2018 по 31.12.2018».
fn date(t: &Tokens<'_>, i: usize) -> Found {
    let (lead, j) = t.lead(i, DATE_LEADS).unwrap_or(("", i));
    let (mut day, mut year, mut k) = t.day_month(j)?;
    if lead == "с" {
        // A period is due by its last day; a start date alone is no deadline.
        let to = t.any(k, &["по", "до", "-", "–", "—"])?;
        (day, year, k) = t.day_month(to)?;
    }
    let k = t.year_words(k);
    let k = t.any(k, &["включительно"]).unwrap_or(k);
    let part = match year {
        Some(year) => NaiveDate::from_ymd_opt(year, day.month, day.day)
            .map(|date| DeadlinePart::Date { date }),
        // 2000 is a leap year: «29 февраля» is a real day of some plan years.
        None => day_in(2000, day).map(|_| DeadlinePart::DayMonth {
            day: day.day,
            month: day.month,
        }),
    };
    Some((
        part.ok_or_else(|| format!("impossible date «{}»", t.text(j, k))),
        k,
    ))
}

/// «2 квартал 2017 год», «IV квартал», «1 полугодие 2018», «в декабре», «2017 год»,
/// «2017-2018 гг.», «в течение года».
fn period(t: &Tokens<'_>, i: usize) -> Found {
    let (lead, j) = t.lead(i, PERIOD_LEADS).unwrap_or(("", i));
    if let Some((n, k)) = t.ordinal(j) {
        let noun = t.w(k);
        let halves = noun.starts_with("полугод");
        if halves || noun.starts_with("квартал") || noun == "кв" {
            let k = t.any(k + 1, &["."]).unwrap_or(k + 1);
            let (year, k) = t.opt_year(k);
            let (max, what) = if halves {
                (2, "half-year")
            } else {
                (4, "quarter")
            };
            let part = n
                .filter(|n| (1..=max).contains(n))
                .map(|n| {
                    if halves {
                        DeadlinePart::HalfYear { year, half: n }
                    } else {
                        DeadlinePart::Quarter { year, quarter: n }
                    }
                })
                .ok_or_else(|| format!("no such {what} «{}»", t.text(j, k)));
            return Some((part, k));
        }
    }
    if let Some((month, k)) = t.month(j) {
        let (year, k) = t.opt_year(k);
        return Some((Ok(DeadlinePart::Month { year, month }), k));
    }
    if let Some((from, k)) = t.year(j) {
        let range = t
            .any(k, &["-", "–", "—", "/", "по"])
            .and_then(|k| t.year(k));
        let part = match range {
            None => Ok(DeadlinePart::Year { year: Some(from) }),
            Some((to, _)) if from <= to => Ok(DeadlinePart::YearRange { from, to }),
            Some(_) => Err(format!("reversed years «{}»", t.text(j, k + 2))),
        };
        let k = t.year_words(range.map_or(k, |(_, k)| k));
        return Some((part, k));
    }
    let k = match lead {
        "в течение" | "до конца" | "к концу" | "в" => {
            t.any(j, &["текущего года", "текущем году", "года"])?
        }
        _ => return None,
    };
    Some((Ok(DeadlinePart::Year { year: None }), k))
}

/// Removes markup and page-layout noise; the result is what parts quote.
/// No deadline: an empty cell or the words that say so ("без срока", "бессрочно").
pub fn is_none(text: &str) -> bool {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold_word)
        .collect();
    matches!(
        words
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        [] | ["без", "срока"] | ["бессрочно"]
    )
}

fn clean(text: &str) -> String {
    unwrap_lines(&clean_markup(text))
}

/// A word (folded), a run of ASCII digits, or one other character; `start..end` in the cleaned text.
struct Tok {
    w: String,
    start: usize,
    end: usize,
}

#[derive(PartialEq, Clone, Copy)]
enum Class {
    Word,
    Digits,
    Other,
}

fn class(c: char) -> Class {
    match c {
        '0'..='9' => Class::Digits,
        // Decomposed «й» and «ё» carry combining marks.
        '\u{306}' | '\u{308}' => Class::Word,
        c if c.is_alphabetic() => Class::Word,
        _ => Class::Other,
    }
}

struct Tokens<'a> {
    src: &'a str,
    toks: Vec<Tok>,
}

impl<'a> Tokens<'a> {
    fn new(src: &'a str) -> Self {
        let mut toks: Vec<Tok> = Vec::new();
        let mut chars = src.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c.is_whitespace() {
                continue;
            }
            let kind = class(c);
            let mut end = start + c.len_utf8();
            while let Some(&(at, n)) = chars.peek() {
                if kind == Class::Other || class(n) != kind {
                    break;
                }
                end = at + n.len_utf8();
                chars.next();
            }
            let text = &src[start..end];
            let w = match kind {
                Class::Word => fold_word(text),
                _ => text.to_owned(),
            };
            toks.push(Tok { w, start, end });
        }
        Self { src, toks }
    }

    fn len(&self) -> usize {
        self.toks.len()
    }

    /// The folded token at `i`, or "" past the end.
    fn w(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.w.as_str())
    }

    fn is(&self, i: usize, word: &str) -> bool {
        self.w(i) == word
    }

    fn is_connector(&self, i: usize) -> bool {
        CONNECTORS.contains(&self.w(i))
    }

    /// The token after a space-separated phrase matched at `i`.
    fn phrase(&self, i: usize, phrase: &str) -> Option<usize> {
        phrase
            .split(' ')
            .try_fold(i, |k, word| self.is(k, word).then_some(k + 1))
    }

    /// The first of `phrases` matched at `i`, and the token after it.
    fn lead(&self, i: usize, phrases: &[&'static str]) -> Option<(&'static str, usize)> {
        phrases
            .iter()
            .find_map(|&p| self.phrase(i, p).map(|k| (p, k)))
    }

    fn any(&self, i: usize, phrases: &[&'static str]) -> Option<usize> {
        self.lead(i, phrases).map(|(_, k)| k)
    }

    fn lookup<T: Copy>(&self, i: usize, table: &[(&str, T)]) -> Option<(T, usize)> {
        table
            .iter()
            .find_map(|&(p, value)| self.phrase(i, p).map(|k| (value, k)))
    }

    /// A number of at most `max_digits` digits at `i`: its value (`None` if beyond `u32`), its
    /// digit count and the token after it.
    fn number(&self, i: usize, max_digits: usize) -> Option<(Option<u32>, usize, usize)> {
        let w = self.w(i);
        (w.starts_with(|c: char| c.is_ascii_digit()) && w.len() <= max_digits)
            .then(|| (w.parse().ok(), w.len(), i + 1))
    }

    /// Skips an ending written after a number: «3-х», «2-й», «3х».
    fn ending(&self, i: usize) -> usize {
        let glued = i > 0
            && matches!((self.toks.get(i - 1), self.toks.get(i)), (Some(a), Some(b)) if a.end == b.start);
        let k = if self.is(i, "-") { i + 1 } else { i };
        if (k > i || glued) && NUMBER_ENDINGS.contains(&self.w(k)) {
            k + 1
        } else {
            i
        }
    }

    /// An amount: «3-х», «10», «трех».
    fn count(&self, i: usize) -> Option<(Option<u32>, usize)> {
        if let Some((n, _, k)) = self.number(i, usize::MAX) {
            return Some((n, self.ending(k)));
        }
        self.lookup(i, NUMBER_WORDS).map(|(n, k)| (Some(n), k))
    }

    /// A quarter or half number: «2», «2-й», «IV», «второе».
    fn ordinal(&self, i: usize) -> Option<(Option<u32>, usize)> {
        if let Some((n, _, k)) = self.number(i, usize::MAX) {
            return Some((n, self.ending(k)));
        }
        let w = self.w(i);
        (1..)
            .zip(ROMAN)
            .find(|(_, r)| *r == w)
            .or_else(|| (1..).zip(ORDINAL_STEMS).find(|(_, s)| w.starts_with(s)))
            .map(|(n, _)| (Some(n), i + 1))
    }

    fn month(&self, i: usize) -> Option<(u32, usize)> {
        month_of(self.w(i)).map(|m| (m, i + 1))
    }

    /// A four-digit year.
    fn year(&self, i: usize) -> Option<(i32, usize)> {
        match self.number(i, 4)? {
            (Some(y), 4, k) => Some((i32::try_from(y).ok()?, k)),
            _ => None,
        }
    }

    /// Skips «г.», «года», «гг.» after a year.
    fn year_words(&self, i: usize) -> usize {
        match self.any(i, YEAR_WORDS) {
            Some(k) => self.any(k, &["."]).unwrap_or(k),
            None => i,
        }
    }

    fn opt_year(&self, i: usize) -> (Option<i32>, usize) {
        match self.year(i) {
            Some((y, k)) => (Some(y), self.year_words(k)),
            None => (None, i),
        }
    }

    /// A day and month with an optional year: «31.12.2017», «31.12», «1 декабря 2019», «31 марта».
    /// Values are not checked here.
    fn day_month(&self, i: usize) -> Option<(DayMonth, Option<i32>, usize)> {
        let (day, _, j) = self.number(i, 2)?;
        let day = day?;
        if let Some((month, k)) = self.month(self.ending(j)) {
            let (year, k) = self.year(k).map_or((None, k), |(year, k)| (Some(year), k));
            return Some((DayMonth { day, month }, year, k));
        }
        let separator = |k| self.is(k, ".") || self.is(k, "/");
        if !separator(j) {
            return None;
        }
        let (month, month_digits, k) = self.number(j + 1, 2)?;
        let day = DayMonth { day, month: month? };
        if separator(k) {
            let year = match self.number(k + 1, 4) {
                Some((Some(y), 4, _)) => i32::try_from(y).ok(),
                Some((Some(y), 2, _)) => i32::try_from(y).ok().map(|y| 2000 + y),
                _ => None,
            };
            if let Some(year) = year {
                return Some((day, Some(year), k + 2));
            }
        }
        // «31.12» without a year; «1.5» is more likely a fraction than a date.
        (month_digits == 2).then_some((day, None, k))
    }

    /// Where the clause starting at `i` ends: «;» or «далее».
    fn clause_end(&self, i: usize) -> usize {
        (i..self.len())
            .find(|&k| self.ends_clause(k))
            .unwrap_or(self.len())
    }

    fn ends_clause(&self, i: usize) -> bool {
        self.is(i, ";") || self.is(i, "далее")
    }

    /// The cleaned text of tokens `start..end`, without connectors at either edge.
    fn text(&self, mut start: usize, mut end: usize) -> String {
        end = end.min(self.len());
        while start < end && self.is_connector(start) {
            start += 1;
        }
        while end > start && self.is_connector(end - 1) {
            end -= 1;
        }
        if start >= end {
            return String::new();
        }
        self.src[self.toks[start].start..self.toks[end - 1].end].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn date(y: i32, m: u32, day: u32) -> DeadlinePart {
        DeadlinePart::Date { date: d(y, m, day) }
    }

    fn every(every: Period) -> DeadlinePart {
        DeadlinePart::Recurring { every, by: None }
    }

    fn continuous(note: Option<&str>) -> DeadlinePart {
        DeadlinePart::Continuous {
            note: note.map(str::to_owned),
        }
    }

    fn relative(
        amount: u32,
        unit: RelativeUnit,
        event: &str,
        condition: Option<&str>,
    ) -> DeadlinePart {
        DeadlinePart::EventRelative {
            amount,
            unit,
            event: event.to_owned(),
            condition: condition.map(str::to_owned),
        }
    }

    fn unstructured(text: &str) -> DeadlinePart {
        DeadlinePart::Unstructured {
            text: text.to_owned(),
        }
    }

    fn assert_structured(cases: Vec<(&str, Vec<DeadlinePart>)>) {
        for (text, parts) in cases {
            let deadline = parse(text);
            assert_eq!(deadline.parts, parts, "{text:?}");
            assert!(
                deadline.warnings.is_empty(),
                "{text:?}: {:?}",
                deadline.warnings
            );
            assert!(deadline.is_structured(), "{text:?}");
            assert_eq!(deadline.text, text);
        }
    }

    /// Every «Срок реализации» cell of seeds 000 (Moscow) and 001 (Tula), as exported.
    #[test]
    fn seed_deadlines_are_structured() {
        use DeadlinePart::*;
        assert_structured(vec![
            ("постоянно", vec![continuous(None)]),
            ("ежеквартально", vec![every(Period::Quarterly)]),
            ("<p>ежеквартально</p>", vec![every(Period::Quarterly)]),
            (
                "ежегодно до 31 декабря",
                vec![Recurring {
                    every: Period::Yearly,
                    by: Some(super::DayMonth { day: 31, month: 12 }),
                }],
            ),
            (
                "до 31.12.2017 и при внесении изменений в срок не позднее 3-х дней после утверждения соответствующего приказа",
                vec![
                    date(2017, 12, 31),
                    relative(
                        3,
                        RelativeUnit::Days,
                        "после утверждения соответствующего приказа",
                        Some("при внесении изменений"),
                    ),
                ],
            ),
            ("до 31.12.2018", vec![date(2018, 12, 31)]),
            ("до 31.12.2017", vec![date(2017, 12, 31)]),
            (
                "согласно индивидуальным планам организаций социального обслуживания",
                vec![PerPlan {
                    reference: "согласно индивидуальным планам организаций социального обслуживания"
                        .to_owned(),
                }],
            ),
            ("2017 год", vec![Year { year: Some(2017) }]),
            (
                "2 квартал 2017 год",
                vec![Quarter {
                    year: Some(2017),
                    quarter: 2,
                }],
            ),
            (
                "Постоянно (по отдельным планам)",
                vec![continuous(Some("по отдельным планам"))],
            ),
            ("Постоянно", vec![continuous(None)]),
            ("<p>Постоянно</p>", vec![continuous(None)]),
        ]);
    }

    /// Forms of seeds 002–004 and of the issue.
    #[test]
    fn other_forms_are_structured() {
        use DeadlinePart::*;
        let q = |year, quarter| Quarter { year, quarter };
        assert_structured(vec![
            ("31.12.2017", vec![date(2017, 12, 31)]),
            ("с 01.01.2018 по 31.12.2018", vec![date(2018, 12, 31)]),
            (
                "с 2017 по 2018 год",
                vec![YearRange {
                    from: 2017,
                    to: 2018,
                }],
            ),
            ("до 1 декабря 2019 г.", vec![date(2019, 12, 1)]),
            ("30 ноября 2017 г.", vec![date(2017, 11, 30)]),
            ("в срок до 10 февраля 2019 года", vec![date(2019, 2, 10)]),
            ("не позднее 31.12.18", vec![date(2018, 12, 31)]),
            ("до 1 декабря", vec![DayMonth { day: 1, month: 12 }]),
            ("до 31 марта", vec![DayMonth { day: 31, month: 3 }]),
            ("IV квартал", vec![q(None, 4)]),
            ("в течение 1 квартала", vec![q(None, 1)]),
            ("I кв. 2018 г.", vec![q(Some(2018), 1)]),
            ("2-й квартал 2018 года", vec![q(Some(2018), 2)]),
            ("третий квартал", vec![q(None, 3)]),
            (
                "1 полугодие 2018",
                vec![HalfYear {
                    year: Some(2018),
                    half: 1,
                }],
            ),
            (
                "декабрь 2017",
                vec![Month {
                    year: Some(2017),
                    month: 12,
                }],
            ),
            (
                "в декабре",
                vec![Month {
                    year: None,
                    month: 12,
                }],
            ),
            (
                "2017-2018 гг.",
                vec![YearRange {
                    from: 2017,
                    to: 2018,
                }],
            ),
            (
                "2017 – 2018 годы",
                vec![YearRange {
                    from: 2017,
                    to: 2018,
                }],
            ),
            ("в течение 2024 года", vec![Year { year: Some(2024) }]),
            ("в течение года", vec![Year { year: None }]),
            ("ежемесячно", vec![every(Period::Monthly)]),
            ("ежегодно", vec![every(Period::Yearly)]),
            ("1 раз в полугодие", vec![every(Period::HalfYearly)]),
            ("1 раз в квартал", vec![every(Period::Quarterly)]),
            ("еженедельно", vec![every(Period::Weekly)]),
            (
                "не позднее 3-х дней после внесения изменений",
                vec![relative(
                    3,
                    RelativeUnit::Days,
                    "после внесения изменений",
                    None,
                )],
            ),
            (
                "в течение 10 рабочих дней со дня создания, получения или изменения информации",
                vec![relative(
                    10,
                    RelativeUnit::WorkingDays,
                    "со дня создания, получения или изменения информации",
                    None,
                )],
            ),
            (
                "в течение месяца после утверждения плана",
                vec![relative(
                    1,
                    RelativeUnit::Months,
                    "после утверждения плана",
                    None,
                )],
            ),
            (
                "постоянно, в течение 5 рабочих дней со дня поступления информации",
                vec![
                    continuous(None),
                    relative(
                        5,
                        RelativeUnit::WorkingDays,
                        "со дня поступления информации",
                        None,
                    ),
                ],
            ),
            (
                "до 1 декабря 2016 года, далее IV квартал",
                vec![date(2016, 12, 1), q(None, 4)],
            ),
            (
                "до 30 ноября 2016 года, далее до 15 ноября",
                vec![date(2016, 11, 30), DayMonth { day: 15, month: 11 }],
            ),
            (
                "до 31 декабря 2016 года, далее ежегодно",
                vec![date(2016, 12, 31), every(Period::Yearly)],
            ),
            (
                "в сроки, установленные планом мероприятий",
                vec![PerPlan {
                    reference: "в сроки, установленные планом мероприятий".to_owned(),
                }],
            ),
            (
                "в 3-дневный срок",
                vec![relative(3, RelativeUnit::Days, "", None)],
            ),
        ]);
    }

    #[test]
    fn tolerates_case_spacing_yo_latin_look_alikes_and_page_breaks() {
        use DeadlinePart::*;
        assert_structured(vec![
            ("  ПОСТОЯННО.  ", vec![continuous(None)]),
            ("пoстоянно", vec![continuous(None)]), // Latin «o»
            ("ежеквар-\nтально", vec![every(Period::Quarterly)]),
            ("до\n31.12.2017\r\nг.", vec![date(2017, 12, 31)]),
            (
                "2\tквартал\n2017\u{a0}год.",
                vec![Quarter {
                    year: Some(2017),
                    quarter: 2,
                }],
            ),
            (
                "в течение 1-го квартала",
                vec![Quarter {
                    year: None,
                    quarter: 1,
                }],
            ),
            (
                "в течение трёх дней",
                vec![relative(3, RelativeUnit::Days, "", None)],
            ),
            (
                "іv квартал",
                vec![Quarter {
                    year: None,
                    quarter: 4,
                }],
            ), // Ukrainian «і»
            ("&nbsp;ежегодно&nbsp;", vec![every(Period::Yearly)]),
        ]);
    }

    /// The markup cleaning shared with the plan reader knows more than this reader's own did.
    #[test]
    fn markup_is_cleaned_as_in_plan_cells() {
        assert_structured(vec![
            ("**постоянно**", vec![continuous(None)]),
            ("<o:p>постоянно</o:p>", vec![continuous(None)]),
            ("ежеквар<span>тально</span>", vec![every(Period::Quarterly)]),
            ("ежеквар-<br>тально", vec![every(Period::Quarterly)]),
            ("ежеквар\u{2060}тально", vec![every(Period::Quarterly)]),
            ("до&#160;31.12.2017", vec![date(2017, 12, 31)]),
            ("до\u{7}31.12.2017", vec![date(2017, 12, 31)]),
        ]);
        let deadline = parse("2017&ndash;2018 гг.");
        assert_eq!(
            deadline.parts,
            vec![DeadlinePart::YearRange {
                from: 2017,
                to: 2018
            }]
        );
    }

    #[test]
    fn unknown_text_is_kept_with_a_warning() {
        let deadline = parse("по мере необходимости");
        assert_eq!(deadline.parts, vec![unstructured("по мере необходимости")]);
        assert_eq!(
            deadline.warnings,
            vec!["unrecognised deadline text «по мере необходимости»"]
        );
        assert!(!deadline.is_structured());

        // Forms inside unknown text belong to it, up to «;» or «далее».
        let deadline = parse("ежемесячно, кроме июня, июля, августа");
        assert_eq!(
            deadline.parts,
            vec![
                every(Period::Monthly),
                unstructured("кроме июня, июля, августа")
            ]
        );
        assert_eq!(deadline.final_due(Some(2024)), None);
        let deadline = parse("2 раза в 2016 году, далее 1 раз в квартал");
        assert_eq!(
            deadline.parts,
            vec![unstructured("2 раза в 2016 году"), every(Period::Quarterly)]
        );
        let deadline = parse("кроме 31.02.2018");
        assert_eq!(deadline.parts, vec![unstructured("кроме 31.02.2018")]);
        assert_eq!(
            deadline.warnings,
            vec![
                "impossible date «31.02.2018»",
                "unrecognised deadline text «кроме 31.02.2018»"
            ]
        );

        let deadline = parse("2017 год; по мере необходимости");
        assert_eq!(
            deadline.parts,
            vec![
                DeadlinePart::Year { year: Some(2017) },
                unstructured("по мере необходимости")
            ]
        );
    }

    #[test]
    fn impossible_values_become_unstructured_naming_them() {
        for (text, kept, warning) in [
            ("31.02.2018", "31.02.2018", "impossible date «31.02.2018»"),
            (
                "до 31.02.2018",
                "до 31.02.2018",
                "impossible date «31.02.2018»",
            ),
            ("00.13.2018", "00.13.2018", "impossible date «00.13.2018»"),
            ("30 февраля", "30 февраля", "impossible date «30 февраля»"),
            (
                "5 квартал 2018",
                "5 квартал 2018",
                "no such quarter «5 квартал 2018»",
            ),
            (
                "3 полугодие",
                "3 полугодие",
                "no such half-year «3 полугодие»",
            ),
            (
                "2018-2017 гг.",
                "2018-2017 гг",
                "reversed years «2018-2017»",
            ),
            (
                "в течение 99999999999 дней",
                "в течение 99999999999 дней",
                "number too large in «в течение 99999999999 дней»",
            ),
        ] {
            let deadline = parse(text);
            assert_eq!(deadline.parts, vec![unstructured(kept)], "{text}");
            assert_eq!(deadline.warnings, vec![warning], "{text}");
        }
        // 29 February exists in leap years only.
        assert_eq!(parse("29.02.2020").parts, vec![date(2020, 2, 29)]);
        assert!(!parse("29.02.2019").is_structured());
    }

    #[test]
    fn adversarial_input_never_panics() {
        let long = "постоянно ".repeat(1000) + &"x".repeat(1000);
        let inputs = [
            "",
            "   \n\t ",
            "--",
            "---",
            "<p></p>",
            "<",
            "<p",
            "&",
            "2017-",
            "до",
            "до 31.",
            "до 31.12.",
            "99999999999999999999999 квартал 99999",
            "ежегодно до 31",
            "Postoянно 2017 гoд ✅🚀 до 31.12.2017",
            "ежегодно до 29 февраля",
            "(((",
            "постоянно (",
            "и и и ; ; , далее",
            "\u{306}\u{308}",
            "й\u{306}",
            "İstanbul",
            long.as_str(),
        ];
        for text in inputs {
            let deadline = parse(text);
            assert_eq!(deadline.text, text);
            let today = d(2018, 6, 1);
            let _ = deadline.next_due(today, Some(2018));
            let _ = deadline.is_overdue(today, None);
        }
        for empty in ["", "   \n\t ", "--", "---", "<p></p>"] {
            let deadline = parse(empty);
            assert!(deadline.parts.is_empty(), "{empty:?}");
            assert_eq!(deadline.warnings, vec!["no deadline given"]);
            assert!(!deadline.is_structured());
        }
        let mixed = parse("Postoянно 2017 гoд ✅🚀; до 31.12.2017");
        assert_eq!(
            mixed.parts,
            vec![unstructured("Postoянно 2017 гoд ✅🚀"), date(2017, 12, 31)]
        );
        assert_eq!(parse(&long).parts.len(), 1001);
    }

    #[test]
    fn final_due_is_the_end_of_the_period() {
        let final_due = |text: &str, plan_year| parse(text).final_due(plan_year);
        assert_eq!(final_due("до 31.12.2018", None), Some(d(2018, 12, 31)));
        assert_eq!(final_due("2 квартал 2017 год", None), Some(d(2017, 6, 30)));
        assert_eq!(final_due("IV квартал", Some(2019)), Some(d(2019, 12, 31)));
        assert_eq!(final_due("IV квартал", None), None);
        assert_eq!(final_due("1 полугодие 2018", None), Some(d(2018, 6, 30)));
        assert_eq!(final_due("в феврале", Some(2020)), Some(d(2020, 2, 29)));
        assert_eq!(
            final_due("2017-2018 гг.", Some(2016)),
            Some(d(2018, 12, 31))
        );
        assert_eq!(final_due("2017 год", Some(2016)), Some(d(2017, 12, 31)));
        assert_eq!(final_due("до 29 февраля", Some(2019)), Some(d(2019, 2, 28)));
        let combined = "до 31.12.2017 и при внесении изменений в срок не позднее 3-х дней после утверждения соответствующего приказа";
        assert_eq!(final_due(combined, None), Some(d(2017, 12, 31)));
        assert_eq!(
            final_due("до 1 декабря 2016 года, далее IV квартал", Some(2017)),
            Some(d(2017, 12, 31))
        );
        for open in [
            "постоянно",
            "ежеквартально",
            "ежегодно до 31 декабря",
            "не позднее 3-х дней после внесения изменений",
            "согласно индивидуальным планам организаций социального обслуживания",
            "по мере необходимости",
            "",
        ] {
            assert_eq!(final_due(open, Some(2017)), None, "{open}");
        }
    }

    #[test]
    fn next_due_rolls_recurrences_forward() {
        let next = |text: &str, today, plan_year| parse(text).next_due(today, plan_year);
        let today = d(2017, 11, 15); // a Wednesday
        assert_eq!(next("ежеквартально", today, None), Some(d(2017, 12, 31)));
        assert_eq!(next("ежемесячно", today, None), Some(d(2017, 11, 30)));
        assert_eq!(next("еженедельно", today, None), Some(d(2017, 11, 19)));
        assert_eq!(
            next("еженедельно", d(2017, 11, 19), None),
            Some(d(2017, 11, 19))
        );
        assert_eq!(
            next("1 раз в полугодие", d(2018, 3, 1), None),
            Some(d(2018, 6, 30))
        );
        assert_eq!(next("ежегодно", today, None), Some(d(2017, 12, 31)));
        assert_eq!(
            next("ежегодно до 31 марта", today, None),
            Some(d(2018, 3, 31))
        );
        assert_eq!(
            next("ежегодно до 31 марта", d(2018, 3, 31), None),
            Some(d(2018, 3, 31))
        );
        // The plan of 2018 has nothing due in 2017.
        assert_eq!(
            next("ежеквартально", today, Some(2018)),
            Some(d(2018, 3, 31))
        );
        assert_eq!(
            next("ежегодно до 31 декабря", today, Some(2018)),
            Some(d(2018, 12, 31))
        );
        assert_eq!(next("до 31.12.2017", today, None), Some(d(2017, 12, 31)));
        assert_eq!(next("до 31.12.2017", d(2018, 1, 1), None), None);
        assert_eq!(next("IV квартал", d(2018, 1, 10), Some(2017)), None);
        // Without a plan year a yearless form comes round every year.
        assert_eq!(
            next("до 31 марта", d(2018, 4, 1), None),
            Some(d(2019, 3, 31))
        );
        assert_eq!(
            next("в декабре", d(2018, 4, 1), None),
            Some(d(2018, 12, 31))
        );
        assert_eq!(next("постоянно", today, Some(2017)), None);
        assert_eq!(
            next("до 31.12.2017, далее ежеквартально", today, None),
            Some(d(2017, 12, 31))
        );
        assert_eq!(
            next("1 полугодие 2018; ежемесячно", today, None),
            Some(d(2017, 11, 30))
        );
    }

    #[test]
    fn overdue_after_the_final_due_date() {
        let overdue = |text: &str, today, plan_year| parse(text).is_overdue(today, plan_year);
        assert!(!overdue("до 31.12.2017", d(2017, 12, 31), None));
        assert!(overdue("до 31.12.2017", d(2018, 1, 1), None));
        assert!(!overdue("2 квартал 2017 год", d(2017, 6, 30), None));
        assert!(overdue("2 квартал 2017 год", d(2017, 7, 1), None));
        assert!(overdue("IV квартал", d(2018, 1, 1), Some(2017)));
        assert!(!overdue("IV квартал", d(2018, 1, 1), None));
        assert!(!overdue("постоянно", d(2030, 1, 1), Some(2017)));
        assert!(!overdue("ежеквартально", d(2030, 1, 1), Some(2017)));
        assert!(!overdue("по мере необходимости", d(2030, 1, 1), Some(2017)));
    }

    #[test]
    fn serializes_with_snake_case_kinds() {
        let deadline = parse("ежегодно до 31 декабря; в течение 10 рабочих дней");
        let json = serde_json::to_value(&deadline).expect("serializable");
        assert_eq!(
            json["parts"],
            serde_json::json!([
                {"kind": "recurring", "every": "yearly", "by": {"day": 31, "month": 12}},
                {"kind": "event_relative", "amount": 10, "unit": "working_days", "event": "", "condition": null}
            ])
        );
        let half = serde_json::to_value(parse("1 раз в полугодие")).expect("serializable");
        assert_eq!(half["parts"][0]["every"], "half_yearly");
        let back: Deadline = serde_json::from_value(json).expect("deserializable");
        assert_eq!(back, deadline);
    }

    #[test]
    fn out_of_range_stored_values_do_not_panic() {
        let deadline = Deadline {
            text: String::new(),
            parts: vec![
                DeadlinePart::Quarter {
                    year: Some(i32::MAX),
                    quarter: u32::MAX,
                },
                DeadlinePart::HalfYear {
                    year: Some(i32::MIN),
                    half: 0,
                },
                DeadlinePart::Month {
                    year: None,
                    month: 0,
                },
                DeadlinePart::DayMonth { day: 40, month: 2 },
                DeadlinePart::Year {
                    year: Some(i32::MAX),
                },
                DeadlinePart::Recurring {
                    every: Period::Yearly,
                    by: Some(DayMonth { day: 0, month: 99 }),
                },
            ],
            warnings: Vec::new(),
        };
        let today = NaiveDate::MAX;
        assert_eq!(deadline.final_due(Some(i32::MAX)), None);
        assert_eq!(deadline.next_due(today, Some(i32::MAX)), None);
        assert_eq!(deadline.next_due(NaiveDate::MIN, None), None);
        let _ = parse("еженедельно").next_due(NaiveDate::MAX, None);
    }

    const VOCABULARY: &[&str] = &[
        "до",
        "в",
        "течение",
        "не",
        "позднее",
        "постоянно",
        "(",
        ")",
        "ежегодно",
        "ежеквартально",
        "1",
        "2",
        "3-х",
        "31",
        ".",
        "12",
        "2017",
        "-",
        "2018",
        "г.",
        "года",
        "квартал",
        "IV",
        "полугодие",
        "декабря",
        "декабре",
        "раз",
        "дней",
        "рабочих",
        "после",
        "и",
        ",",
        ";",
        "далее",
        "согласно",
        "99999999999",
        "<p>",
        "</p>",
        "ё",
        "\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn parse_never_panics_and_keeps_text(text in any::<String>()) {
            let deadline = parse(&text);
            prop_assert_eq!(&deadline.text, &text);
            prop_assert!(!deadline.parts.is_empty() || !deadline.warnings.is_empty());
        }

        #[test]
        fn deadline_like_text_round_trips_and_dates_are_consistent(
            words in prop::collection::vec(prop::sample::select(VOCABULARY), 0..14),
            days in -200_000i32..200_000,
            plan_year in prop::option::of(1900i32..2200),
        ) {
            let text = words.join(" ");
            let deadline = parse(&text);
            prop_assert_eq!(&deadline.text, &text);
            let json = serde_json::to_string(&deadline).expect("serializable");
            let back: Deadline = serde_json::from_str(&json).expect("deserializable");
            prop_assert_eq!(&back, &deadline);
            let today = d(2000, 1, 1) + chrono::Duration::days(i64::from(days));
            if let Some(next) = deadline.next_due(today, plan_year) {
                prop_assert!(next >= today);
            }
            prop_assert_eq!(
                deadline.is_overdue(today, plan_year),
                deadline.final_due(plan_year).is_some_and(|due| due < today)
            );
        }
    }

    #[test]
    fn no_deadline_is_no_part_and_never_overdue() {
        for text in ["", "  ", "без срока", "Без срока.", "бессрочно"] {
            let d = parse(text);
            assert!(d.parts.is_empty(), "{text:?}");
            assert_eq!(d.warnings, ["no deadline given"]);
            assert_eq!(d.text, text);
            assert!(!d.is_overdue(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), Some(2018)));
        }
        assert!(!is_none("бессрочно до 31.12.2019"));
        assert!(!parse("без срока давности").warnings.is_empty());
    }
}
