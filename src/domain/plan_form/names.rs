//! People's names as plans write them: "И.О. Фамилия", "Фамилия И.О.", "Фамилия Имя Отчество".

pub(super) fn is_bare_name(text: &str) -> bool {
    // Names are short; the bound keeps long cells linear.
    text.len() <= 120 && find_person(text) == Some((0, text.len()))
}

/// Byte range of a person's name in `text`: "И.О. Фамилия", "И.О.Фамилия", "Фамилия И.О." or
/// "Фамилия Имя Отчество".
pub(super) fn find_person(text: &str) -> Option<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let is_letter = |i: usize| chars.get(i).is_some_and(|&(_, c)| c.is_alphabetic());
    for i in 0..chars.len() {
        if i > 0 && is_letter(i - 1) {
            continue;
        }
        let Some(after) = initials_at(&chars, i) else {
            continue;
        };
        let gap = usize::from(chars.get(after).is_some_and(|&(_, c)| c == ' '));
        if let Some(end) = surname_from(&chars, after + gap) {
            return Some((byte(i), byte(end)));
        }
        let before = i - usize::from(i > 0 && chars[i - 1].1 == ' ');
        if let Some(start) = surname_before(&chars, before) {
            return Some((byte(start), byte(after)));
        }
    }
    full_name_words(text)
}

/// "И.О." or "И. О." starting at `i`: the index after it.
fn initials_at(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let upper_dot = |j: usize| {
        chars.get(j).is_some_and(|&(_, c)| c.is_uppercase())
            && chars.get(j + 1).is_some_and(|&(_, c)| c == '.')
    };
    if !upper_dot(i) {
        return None;
    }
    let second = i + 2 + usize::from(chars.get(i + 2).is_some_and(|&(_, c)| c == ' '));
    upper_dot(second).then_some(second + 2)
}

/// A capitalised word ("Келлер", "Петрова-Водкина") starting at `i`: the index after it.
fn surname_from(chars: &[(usize, char)], i: usize) -> Option<usize> {
    if !chars.get(i).is_some_and(|&(_, c)| c.is_uppercase()) {
        return None;
    }
    let mut j = i + 1;
    let mut lower = 0;
    while let Some(&(_, c)) = chars.get(j) {
        if c.is_lowercase() {
            lower += 1;
        } else if !(c == '-' && chars.get(j + 1).is_some_and(|&(_, n)| n.is_alphabetic())) {
            break;
        }
        j += 1;
    }
    let ends_word = !chars.get(j).is_some_and(|&(_, c)| c.is_alphabetic());
    (lower >= 1 && ends_word).then_some(j)
}

/// A capitalised word ending just before `end`: the index where it starts.
fn surname_before(chars: &[(usize, char)], end: usize) -> Option<usize> {
    let mut start = end;
    while start > 0 && chars[start - 1].1.is_alphabetic() {
        start -= 1;
    }
    (start < end && surname_from(chars, start) == Some(end)).then_some(start)
}

/// "Иванов Иван Иванович" or "Иван Иванович Иванов".
fn full_name_words(text: &str) -> Option<(usize, usize)> {
    let words: Vec<(usize, &str)> = text
        .split(' ')
        .scan(0usize, |offset, word| {
            let start = *offset;
            *offset += word.len() + 1;
            Some((start, word.trim_end_matches([',', '.', ';'])))
        })
        .collect();
    let capitalised = |w: &str| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().count() >= 1
            && chars.all(char::is_lowercase)
    };
    let patronymic = |w: &str| {
        capitalised(w)
            && ["вич", "вна", "ична", "оглы", "кызы"]
                .iter()
                .any(|s| w.ends_with(s))
    };
    words.windows(3).find_map(|w| {
        let all = w.iter().all(|(_, word)| capitalised(word));
        (all && (patronymic(w[2].1) || patronymic(w[1].1))).then(|| (w[0].0, w[2].0 + w[2].1.len()))
    })
}
