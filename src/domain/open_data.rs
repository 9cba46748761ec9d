//! The data dictionary of the open data set: what each column of the published tables holds,
//! its type and unit, labelled in Russian and English. Columns are recognised by their official
//! Russian headings, as the exports write them.

/// One column of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub label_en: String,
    pub meaning_ru: String,
    pub meaning_en: String,
    /// `text`, `integer`, `decimal` or `date`.
    pub kind: &'static str,
    /// The unit of a number (`балл / points`), empty for text.
    pub unit: &'static str,
}

const POINTS: &str = "балл / points";
const PLACES: &str = "место / places";

/// The headings every export writes as they are, with (English label, Russian meaning, English
/// meaning, type, unit).
const FIXED: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "Форма социального обслуживания",
        "Form of social service",
        "Форма социального обслуживания, в которой ранжируется организация (все формы вместе или одна)",
        "The form of social service the organization is ranked in (all forms together or one)",
        "text",
        "",
    ),
    (
        "Место в рейтинге",
        "Place in the rating",
        "Место организации в рейтинге; равные баллы делят место",
        "The organization's place in the rating; equal scores share a place",
        "integer",
        PLACES,
    ),
    (
        "Организация",
        "Organization",
        "Полное наименование организации социального обслуживания",
        "Full name of the social service organization",
        "text",
        "",
    ),
    (
        "ИНН",
        "INN (taxpayer number)",
        "Идентификационный номер налогоплательщика организации",
        "The organization's taxpayer identification number",
        "text",
        "",
    ),
    (
        "Формы социального обслуживания",
        "Forms of social service",
        "Формы социального обслуживания организации, через запятую",
        "The organization's forms of social service, comma-separated",
        "text",
        "",
    ),
    (
        "Итоговый балл",
        "Total score",
        "Итоговый показатель оценки качества организации (0–100)",
        "The organization's total quality score (0–100)",
        "decimal",
        POINTS,
    ),
    (
        "Изменение балла по сравнению с предыдущей оценкой",
        "Score change since the previous assessment",
        "Разница итогового балла с предыдущей оценкой организации; пусто, если её не было",
        "Difference of the total score from the organization's previous assessment; empty if none",
        "decimal",
        POINTS,
    ),
    (
        "Изменение места в рейтинге",
        "Change of place in the rating",
        "На сколько мест организация поднялась (+) или опустилась (−) с предыдущей оценки",
        "How many places the organization rose (+) or fell (−) since the previous assessment",
        "integer",
        PLACES,
    ),
    (
        "№ п/п",
        "No.",
        "Порядковый номер мероприятия в плане",
        "The measure's number in the plan",
        "text",
        "",
    ),
    (
        "Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг организацией",
        "Shortcomings found by the independent assessment",
        "Недостатки, выявленные в ходе независимой оценки качества условий оказания услуг",
        "Shortcomings the independent quality assessment found",
        "text",
        "",
    ),
    (
        "Наименование мероприятия по устранению недостатков, выявленных в ходе независимой оценки качества условий оказания услуг организацией",
        "Measure",
        "Мероприятие по устранению выявленных недостатков",
        "The measure to remedy the shortcomings",
        "text",
        "",
    ),
    (
        "Наименование мероприятия",
        "Measure",
        "Мероприятие по устранению выявленных недостатков",
        "The measure to remedy the shortcomings",
        "text",
        "",
    ),
    (
        "Плановый срок реализации мероприятия",
        "Planned deadline",
        "Плановый срок реализации мероприятия, как он записан в плане (дата или период)",
        "The measure's planned deadline as the plan words it (a date or a period)",
        "text",
        "",
    ),
    (
        "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)",
        "Responsible executor",
        "Ответственный исполнитель: фамилия, имя, отчество и должность",
        "The person responsible: full name and position",
        "text",
        "",
    ),
    (
        "Сведения о ходе реализации мероприятия: реализованные меры по устранению выявленных недостатков",
        "Measures taken",
        "Реализованные меры по устранению выявленных недостатков (из последнего отчёта)",
        "What was done to remedy the shortcomings (from the latest report)",
        "text",
        "",
    ),
    (
        "Сведения о ходе реализации мероприятия: фактический срок реализации",
        "Actual completion date",
        "Фактический срок реализации мероприятия (из последнего отчёта), ДД.ММ.ГГГГ",
        "When the measure was actually completed (from the latest report), DD.MM.YYYY",
        "date",
        "",
    ),
    (
        "Реализованные меры по устранению выявленных недостатков",
        "Measures taken",
        "Реализованные меры по устранению выявленных недостатков",
        "What was done to remedy the shortcomings",
        "text",
        "",
    ),
    (
        "Фактический срок реализации",
        "Actual completion date",
        "Фактический срок реализации мероприятия, ДД.ММ.ГГГГ",
        "When the measure was actually completed, DD.MM.YYYY",
        "date",
        "",
    ),
    (
        "Основание реализации",
        "Basis",
        "Основание реализации мероприятия (документ, решение)",
        "What the measure is based on (a document, a decision)",
        "text",
        "",
    ),
    (
        "Результат",
        "Result",
        "Ожидаемый или достигнутый результат мероприятия",
        "The measure's expected or achieved result",
        "text",
        "",
    ),
    (
        "Показатели, характеризующие результат выполнения мероприятия",
        "Result indicators",
        "Показатели, характеризующие результат выполнения мероприятия",
        "Indicators that show the measure's result",
        "text",
        "",
    ),
    (
        "Источник и способ получения информации",
        "Source of information",
        "Источник и способ получения информации о выполнении",
        "Where and how the information on completion is obtained",
        "text",
        "",
    ),
    (
        "Информация о выполнении",
        "Completion information",
        "Информация о выполнении мероприятия и его количественные показатели",
        "Information on the measure's completion, with its figures",
        "text",
        "",
    ),
    (
        "Значения показателей",
        "Figures",
        "Значения показателей выполнения, по одному на строку: «название: значение» как написано (число, «716 из 719», текст)",
        "The completion figures, one a line: «name: value» as written (a number, a ratio such as «716 из 719», or text)",
        "text",
        "",
    ),
    (
        "Подтверждающие материалы (ссылки)",
        "Evidence links",
        "Ссылки на материалы, подтверждающие выполнение, по одной на строку",
        "Links to the material that shows the measure was carried out, one a line",
        "text",
        "",
    ),
];

/// What the column headed `heading` holds; `None` for a heading this dictionary does not know.
/// Criteria and indicators are headed `<code>. <name>, баллы` (criteria coded `K1`…`K5`).
pub fn describe(heading: &str) -> Option<Column> {
    if let Some(&(_, label_en, meaning_ru, meaning_en, kind, unit)) =
        FIXED.iter().find(|(ru, ..)| *ru == heading)
    {
        return Some(Column {
            label_en: label_en.into(),
            meaning_ru: meaning_ru.into(),
            meaning_en: meaning_en.into(),
            kind,
            unit,
        });
    }
    let (code, name) = heading.strip_suffix(", баллы")?.split_once(". ")?;
    let criterion = code.starts_with('K') || code.starts_with('К');
    let (what_ru, what_en) = if criterion {
        ("критерию", "Criterion")
    } else {
        ("показателю", "Indicator")
    };
    Some(Column {
        label_en: format!("{what_en} {code}, points"),
        meaning_ru: format!("Баллы по {what_ru} {code} «{name}»"),
        meaning_en: format!("Points for {} {code} ({name})", what_en.to_lowercase()),
        kind: "decimal",
        unit: POINTS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixed_heading_has_both_labels_a_type_and_numbers_a_unit() {
        for (ru, ..) in FIXED {
            let column = describe(ru).unwrap();
            assert!(!column.label_en.is_empty() && !column.meaning_ru.is_empty());
            assert!(!column.meaning_en.is_empty(), "{ru}");
            assert!(["text", "integer", "decimal", "date"].contains(&column.kind));
            assert_eq!(
                column.unit.is_empty(),
                !["integer", "decimal"].contains(&column.kind),
                "{ru}"
            );
        }
    }

    #[test]
    fn criteria_and_indicators_are_read_from_their_headings() {
        let criterion = describe("K1. Открытость и доступность информации, баллы").unwrap();
        assert_eq!(criterion.label_en, "Criterion K1, points");
        assert_eq!(criterion.kind, "decimal");
        assert_eq!(criterion.unit, POINTS);
        let indicator = describe("1.1. Соответствие информации, баллы").unwrap();
        assert_eq!(indicator.label_en, "Indicator 1.1, points");
        assert_eq!(describe("Что-то ещё"), None);
    }
}
