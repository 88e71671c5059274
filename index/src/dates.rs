//! Normalisation of dates as librarians write them into a year range.
//!
//! Catalogue dates are kept as written ("民国二十年", "清光绪年间",
//! "1958-03"); this module turns such text into an inclusive
//! `(first_year, last_year)` range for sorting and faceting. It owns the
//! tables of dynasties and reign eras. Years before the common era are
//! negative (公元前221年 → -221). Anything it does not understand gives
//! `None`; it never panics on any input.

use unicode_normalization::UnicodeNormalization;

/// Dynasties and periods with their inclusive year ranges (simplified names).
const DYNASTIES: &[(&str, i32, i32)] = &[
    ("中华人民共和国", 1949, 2100),
    ("新中国", 1949, 2100),
    ("中华民国", 1912, 1949),
    ("民国", 1912, 1949),
    ("夏", -2070, -1600),
    ("商", -1600, -1046),
    ("西周", -1046, -771),
    ("东周", -770, -256),
    ("周", -1046, -256),
    ("春秋", -770, -476),
    ("战国", -475, -221),
    ("秦", -221, -207),
    ("西汉", -202, 8),
    ("新朝", 9, 23),
    ("东汉", 25, 220),
    ("汉", -202, 220),
    ("三国", 220, 280),
    ("西晋", 266, 316),
    ("东晋", 317, 420),
    ("晋", 266, 420),
    ("南北朝", 420, 589),
    ("北魏", 386, 534),
    ("隋", 581, 618),
    ("唐", 618, 907),
    ("五代十国", 907, 979),
    ("五代", 907, 960),
    ("北宋", 960, 1127),
    ("南宋", 1127, 1279),
    ("宋", 960, 1279),
    ("辽", 916, 1125),
    ("西夏", 1038, 1227),
    ("金", 1115, 1234),
    ("元", 1271, 1368),
    ("明", 1368, 1644),
    ("清", 1644, 1911),
];

/// Reign eras (年号) with their inclusive year ranges; year N of an era is
/// `start + N - 1`. Covers Ming, Qing, the Republic and well-known Tang and
/// Song eras.
const ERAS: &[(&str, i32, i32)] = &[
    // Republic of China: 民国元年 = 1912.
    ("民国", 1912, 1949),
    // Tang.
    ("武德", 618, 626),
    ("贞观", 627, 649),
    ("永徽", 650, 655),
    ("开元", 713, 741),
    ("天宝", 742, 756),
    ("元和", 806, 820),
    // Northern Song.
    ("建隆", 960, 963),
    ("太平兴国", 976, 984),
    ("景德", 1004, 1007),
    ("庆历", 1041, 1048),
    ("熙宁", 1068, 1077),
    ("元丰", 1078, 1085),
    ("元祐", 1086, 1094),
    ("宣和", 1119, 1125),
    // Southern Song.
    ("绍兴", 1131, 1162),
    ("淳熙", 1174, 1189),
    // Yuan.
    ("至元", 1264, 1294),
    ("至正", 1341, 1368),
    // Ming.
    ("洪武", 1368, 1398),
    ("建文", 1399, 1402),
    ("永乐", 1403, 1424),
    ("洪熙", 1425, 1425),
    ("宣德", 1426, 1435),
    ("正统", 1436, 1449),
    ("景泰", 1450, 1457),
    ("天顺", 1457, 1464),
    ("成化", 1465, 1487),
    ("弘治", 1488, 1505),
    ("正德", 1506, 1521),
    ("嘉靖", 1522, 1566),
    ("隆庆", 1567, 1572),
    ("万历", 1573, 1620),
    ("泰昌", 1620, 1620),
    ("天启", 1621, 1627),
    ("崇祯", 1628, 1644),
    // Qing.
    ("天命", 1616, 1626),
    ("天聪", 1627, 1636),
    ("崇德", 1636, 1643),
    ("顺治", 1644, 1661),
    ("康熙", 1662, 1722),
    ("雍正", 1723, 1735),
    ("乾隆", 1736, 1795),
    ("嘉庆", 1796, 1820),
    ("道光", 1821, 1850),
    ("咸丰", 1851, 1861),
    ("同治", 1862, 1874),
    ("光绪", 1875, 1908),
    ("宣统", 1909, 1911),
];

/// Normalises a date as written into an inclusive year range.
///
/// Understands `1958`, `1958-03`, `1958-03-05`, `1958年3月`, `1958.3`,
/// `一九五八年`, `民国二十年` / `民國20年`, `清光绪十年`, `光绪年间`,
/// dynasties (`唐`, `明代`, `清朝` …), `20世纪50年代`, `1950年代`, `1950s`,
/// `20世纪`, `公元前221年`, ranges (`1958-1962`, `1958—1962`, `1958至1962`,
/// `明末清初` is not understood) and qualifiers such as `约`, `左右`, `?`.
pub fn normalize_date(text: &str) -> Option<(i32, i32)> {
    if text.len() > 200 {
        return None;
    }
    let folded: String = fast2s::convert(&text.nfkc().collect::<String>());
    let cleaned = strip_qualifiers(&folded);
    if cleaned.is_empty() {
        return None;
    }
    if let Some(range) = parse_range(&cleaned) {
        return Some(range);
    }
    parse_single(&cleaned)
}

/// Removes whitespace and hedges ("约", "左右", "circa", "?") around a date.
fn strip_qualifiers(text: &str) -> String {
    let mut value: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    for prefix in ["大约", "约", "公元后", "circa", "ca.", "c.", "about"] {
        if let Some(rest) = value.strip_prefix(prefix) {
            value = rest.to_string();
        }
    }
    for suffix in ["左右", "前后", "许", "?", "？", "(?)", "[?]"] {
        if let Some(rest) = value.strip_suffix(suffix) {
            value = rest.to_string();
        }
    }
    value
        .trim_matches(|c: char| matches!(c, '[' | ']' | '(' | ')' | '（' | '）' | '〔' | '〕'))
        .to_string()
}

/// A range written as two dates joined by a dash, "至", "到" or "~".
fn parse_range(text: &str) -> Option<(i32, i32)> {
    for separator in ["—", "–", "~", "至", "到", "－", "-", "/"] {
        let mut start = 0;
        while let Some(found) = text[start..].find(separator) {
            let at = start + found;
            let (left, right) = (&text[..at], &text[at + separator.len()..]);
            start = at + separator.len();
            if left.is_empty() || right.is_empty() {
                continue;
            }
            // "1958-03" is a month, not a range: the right side must be a year on its own.
            let right_digits = right.chars().take_while(char::is_ascii_digit).count();
            if (separator == "-" || separator == "/") && right_digits < 3 {
                continue;
            }
            if let (Some(first), Some(second)) = (parse_single(left), parse_single(right))
                && first.0 <= second.1
            {
                return Some((first.0, second.1));
            }
        }
    }
    None
}

/// One date (no range).
fn parse_single(text: &str) -> Option<(i32, i32)> {
    let (negative, text) = match text.strip_prefix("公元前") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix("公元").unwrap_or(text)),
    };
    if negative {
        let text = digits_from_numerals(text);
        let text = text.as_str();
        let (year, rest) = leading_number(text)?;
        return (rest.is_empty() || rest.starts_with('年')).then_some((-year, -year));
    }
    if let Some(range) = parse_era_or_dynasty(text) {
        return Some(range);
    }
    let text = digits_from_numerals(text);
    let text = text.as_str();
    if let Some(range) = parse_century(text) {
        return Some(range);
    }
    if let Some(range) = parse_decade(text) {
        return Some(range);
    }
    parse_numeric(text)
}

/// `1958`, `1958-03-05`, `1958年3月5日`, `1958.3`, `1958/03`.
fn parse_numeric(text: &str) -> Option<(i32, i32)> {
    let (year, rest) = leading_number(text)?;
    let digits = text.len() - rest.len();
    if !(3..=4).contains(&digits) {
        return None;
    }
    let rest = rest.strip_prefix('年').unwrap_or(rest);
    // What follows may only be a month and a day: at most two short numbers.
    let valid_chars = rest
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | '/' | '月' | '日' | '号'));
    let pieces: Vec<&str> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|piece| !piece.is_empty())
        .collect();
    let valid_rest =
        valid_chars && pieces.len() <= 2 && pieces.iter().all(|piece| piece.len() <= 2);
    valid_rest.then_some((year, year))
}

/// `1950年代`, `1950s`, `50年代` (taken as the 1900s), `1950's`.
fn parse_decade(text: &str) -> Option<(i32, i32)> {
    let (number, rest) = leading_number(text)?;
    let rest = rest.trim_start_matches('\'');
    if !(rest == "年代" || rest == "s" || rest == "年代初" || rest == "年代末") {
        return None;
    }
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let start = match digits {
        2 if number % 10 == 0 => 1900 + number,
        3 | 4 if number % 10 == 0 => number,
        _ => return None,
    };
    Some((start, start + 9))
}

/// `20世纪`, `20世纪50年代`, `二十世纪五十年代` (numerals already turned into digits).
fn parse_century(text: &str) -> Option<(i32, i32)> {
    let (century, rest) = leading_number(text)?;
    let rest = rest.strip_prefix("世纪")?;
    if !(1..=21).contains(&century) {
        return None;
    }
    let base = (century - 1) * 100;
    if rest.is_empty() || rest == "内" {
        return Some((base, base + 99));
    }
    let (decade, rest) = leading_number(rest)?;
    if rest.starts_with("年代") && decade % 10 == 0 && decade < 100 {
        return Some((base + decade, base + decade + 9));
    }
    None
}

/// `民国二十年`, `清光绪十年`, `光绪年间`, `唐`, `明代`, `清朝中期`.
fn parse_era_or_dynasty(text: &str) -> Option<(i32, i32)> {
    // A dynasty may prefix an era: 清光绪十年, 大清光绪十年, 明万历.
    let text = text.strip_prefix("大").unwrap_or(text);
    let text = match text.strip_prefix("中华") {
        Some(rest) if rest.starts_with("民国") => rest,
        _ => text,
    };
    let mut candidates = vec![text];
    for (name, _, _) in DYNASTIES {
        if let Some(rest) = text.strip_prefix(name)
            && !rest.is_empty()
        {
            candidates.push(rest);
        }
    }
    for candidate in candidates {
        for (era, start, end) in ERAS {
            let Some(rest) = candidate.strip_prefix(era) else {
                continue;
            };
            if is_period_suffix(rest) {
                return Some((*start, *end));
            }
            let rest = digits_from_numerals(rest.strip_prefix('第').unwrap_or(rest));
            let rest = rest.as_str();
            let (year, tail) = if let Some(tail) = rest.strip_prefix('元') {
                (1, tail)
            } else {
                leading_number(rest)?
            };
            let valid_tail = tail.is_empty()
                || tail.starts_with('年')
                    && tail[3..].chars().all(|c| {
                        c.is_ascii_digit()
                            || matches!(c, '月' | '日' | '号' | '正' | '冬' | '腊' | '闰')
                    });
            if year >= 1 && valid_tail && start + year - 1 <= end + 1 {
                let year = start + year - 1;
                return Some((year, year));
            }
            return None;
        }
    }
    for (name, start, end) in DYNASTIES {
        if let Some(rest) = text.strip_prefix(name)
            && is_period_suffix(rest)
        {
            return Some((*start, *end));
        }
    }
    None
}

/// Words after a period name that keep the whole period: 代, 朝, 年间, 时期 …
fn is_period_suffix(rest: &str) -> bool {
    matches!(
        rest,
        "" | "代"
            | "朝"
            | "年间"
            | "间"
            | "时期"
            | "时"
            | "期间"
            | "年"
            | "朝时期"
            | "代时期"
            | "初"
            | "中"
            | "末"
            | "初年"
            | "末年"
            | "中期"
            | "早期"
            | "晚期"
            | "前期"
            | "后期"
            | "代早期"
            | "代中期"
            | "代晚期"
            | "代前期"
            | "代后期"
            | "朝初年"
            | "朝末年"
    )
}

/// The ASCII number at the start of `text` and the rest.
fn leading_number(text: &str) -> Option<(i32, &str)> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 6 {
        return None;
    }
    let number = text[..digits].parse().ok()?;
    Some((number, &text[digits..]))
}

/// Value of a Chinese digit, if it is one.
fn numeral_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' | '○' | 'Ｏ' | '洞' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// True for characters that make up a Chinese number.
fn is_numeral(c: char) -> bool {
    numeral_digit(c).is_some() || matches!(c, '十' | '拾' | '百' | '佰' | '廿' | '卅')
}

/// Turns each run of Chinese numerals into ASCII digits: 一九五八 → 1958
/// (read digit by digit), 二十三 → 23, 十 → 10, 廿五 → 25.
fn digits_from_numerals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_numeral(chars[i]) {
            i += 1;
        }
        match numeral_value(&chars[start..i]) {
            Some(value) => out.push_str(&value),
            None => out.extend(&chars[start..i]),
        }
    }
    out
}

/// Value of one run of Chinese numerals, as ASCII digits.
fn numeral_value(run: &[char]) -> Option<String> {
    let positional = run.iter().any(|c| numeral_digit(*c).is_none());
    if !positional {
        return Some(
            run.iter()
                .filter_map(|c| numeral_digit(*c))
                .map(|d| char::from(b'0' + d as u8))
                .collect(),
        );
    }
    let mut total: u32 = 0;
    let mut current: Option<u32> = None;
    for &c in run {
        if let Some(digit) = numeral_digit(c) {
            current = Some(digit);
            continue;
        }
        let unit = match c {
            '十' | '拾' => 10,
            '百' | '佰' => 100,
            '廿' => {
                total += 20;
                current = None;
                continue;
            }
            '卅' => {
                total += 30;
                current = None;
                continue;
            }
            _ => return None,
        };
        total += current.unwrap_or(1) * unit;
        current = None;
    }
    total += current.unwrap_or(0);
    Some(total.to_string())
}

#[cfg(test)]
mod tests;
