//! Generated local holdings, poems and exploratory queries, for the
//! relevance test of queries as people type them (`search/tests.rs`) and the
//! search benchmark (`index/benches/search.rs`).
//!
//! The holdings look like a district's venues' records (the demo's kinds):
//! old photographs, kiln ceramics, performance posters, local chronicles and
//! heritage recordings, each with a title, subjects, a place, a date,
//! a description and extra fields as a librarian's sheet gives them. They are
//! mixed into pseudo-poems made of the characters classical verse uses, so
//! that every query word also occurs in texts it does not name.
//!
//! Each exploratory query is made from one record's attributes by a
//! template a member of the public would type (two to four words without
//! spaces, some with 的, some in traditional characters); the records
//! relevant to it are all those sharing the attributes it names.

use std::collections::{BTreeSet, HashSet};

use super::Rng;
use crate::model::{
    AccessLevel, DcElement, Institution, InstitutionKind, Item, ItemRecord, Metadata,
};

/// The venues holding the generated records: (id, name, kind).
pub const VENUES: [(&str, &str, InstitutionKind); 4] = [
    ("district-library", "王益区图书馆", InstitutionKind::Library),
    ("kiln-museum", "耀州窑博物馆", InstitutionKind::Museum),
    ("culture-hall", "王益区文化馆", InstitutionKind::CultureHall),
    (
        "huangbao-station",
        "黄堡镇综合文化站",
        InstitutionKind::CulturalStation,
    ),
];

/// The venues as institutions.
pub fn venues() -> Vec<Institution> {
    VENUES
        .iter()
        .map(|(id, name, kind)| super::venue(id, name, *kind))
        .collect()
}

/// What a generated record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An old photograph.
    Photo,
    /// A piece of kiln ceramics.
    Ceramic,
    /// A performance or exhibition poster.
    Poster,
    /// A local chronicle (地方志).
    Chronicle,
    /// A heritage recording or interview.
    Recording,
    /// A poem (the background the holdings are mixed into).
    Poem,
}

/// A generated record with the attributes it was made from.
#[derive(Debug, Clone)]
pub struct Holding {
    /// The record.
    pub record: ItemRecord,
    /// What it is.
    pub kind: Kind,
    /// Its attributes: (name, value), e.g. ("place", "黄堡镇").
    pub attributes: Vec<(&'static str, String)>,
}

impl Holding {
    /// The value of one attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A query with the records relevant to it.
#[derive(Debug, Clone)]
pub struct ExploratoryQuery {
    /// The query as typed.
    pub text: String,
    /// Ids of every relevant record.
    pub relevant: HashSet<String>,
    /// The template it was made from (for reports).
    pub template: &'static str,
}

const PLACES: [&str; 6] = ["黄堡镇", "王益区", "陈炉古镇", "印台区", "宜君县", "红旗街"];
const SCENES: [&str; 10] = [
    "集市",
    "街景",
    "窑场",
    "火车站",
    "小学",
    "供销社",
    "秧歌队",
    "戏台",
    "农田",
    "煤矿",
];
const PHOTOGRAPHERS: [&str; 5] = ["张建国", "李秀英", "王志强", "刘文华", "赵德明"];

const DYNASTIES: [&str; 6] = ["唐", "五代", "宋", "金", "元", "明"];
const KILNS: [(&str, &str); 2] = [("耀州窑", "黄堡镇"), ("陈炉窑", "陈炉古镇")];
const GLAZES: [&str; 4] = ["青釉", "黑釉", "白釉", "酱釉"];
const TECHNIQUES: [&str; 3] = ["刻花", "印花", "划花"];
const MOTIFS: [&str; 5] = ["牡丹纹", "莲花纹", "缠枝纹", "婴戏纹", "鱼纹"];
const VESSELS: [&str; 8] = ["碗", "盘", "梅瓶", "罐", "执壶", "盏", "瓷枕", "香炉"];

/// Genres with the event a poster announces.
const GENRES: [(&str, &str); 8] = [
    ("秦腔", "演出"),
    ("眉户", "演出"),
    ("皮影戏", "演出"),
    ("话剧", "演出"),
    ("社火", "表演"),
    ("秧歌", "表演"),
    ("电影", "放映"),
    ("书法", "展览"),
];
const PLAYS: [&str; 6] = ["三滴血", "火焰驹", "周仁回府", "游西湖", "铡美案", "白蛇传"];

/// Counties with the chronicle's name.
const CHRONICLES: [&str; 5] = ["同官县志", "耀州志", "宜君县志", "铜川市志", "王益区志"];
const EDITIONS: [&str; 5] = ["乾隆", "嘉庆", "道光", "光绪", "民国"];

const HERITAGE: [&str; 5] = ["秦腔", "眉户", "剪纸", "皮影", "锣鼓"];
const INHERITORS: [&str; 5] = ["马桂兰", "孙广文", "周玉梅", "杜长海", "吴春生"];

/// Characters of the pseudo-poems: what classical verse is made of, with
/// the characters of the query words among them.
const POEM_CHARS: &str = "山水风月花雪云天春秋江河日夜人心何处不知一江南北东西长安城中来去归家门客行路马舟\
     青白红黄绿金玉石竹松柏梅兰菊草木鸟雁莺燕龙凤酒杯琴书画诗歌楼台亭阁寺庙钟鼓烟雨霜露星辰\
     老少千万古今生死相思望见听闻飞落开照片影光明暗寒暖高低远近深浅新旧宋唐元代镇堡窑碗瓷器\
     海报演出志县录音传承剪纸戏秦腔社火秧集市街站学农煤矿刻印釉纹瓶罐壶枕炉";
const POETS: [&str; 8] = [
    "李白",
    "杜甫",
    "王维",
    "白居易",
    "苏轼",
    "李清照",
    "辛弃疾",
    "关汉卿",
];

/// Simplified → traditional for the characters the query templates use
/// (the test checks that folding gives the simplified query back).
const TRADITIONAL: [(char, char); 30] = [
    ('黄', '黃'),
    ('镇', '鎮'),
    ('窑', '窯'),
    ('报', '報'),
    ('县', '縣'),
    ('录', '錄'),
    ('传', '傳'),
    ('纸', '紙'),
    ('区', '區'),
    ('戏', '戲'),
    ('书', '書'),
    ('国', '國'),
    ('盘', '盤'),
    ('壶', '壺'),
    ('炉', '爐'),
    ('陈', '陳'),
    ('铜', '銅'),
    ('纹', '紋'),
    ('莲', '蓮'),
    ('缠', '纏'),
    ('访', '訪'),
    ('谈', '談'),
    ('电', '電'),
    ('览', '覽'),
    ('乐', '樂'),
    ('锣', '鑼'),
    ('队', '隊'),
    ('农', '農'),
    ('矿', '礦'),
    ('车', '車'),
];

/// `text` in traditional characters (as far as [`TRADITIONAL`] goes).
pub fn to_traditional(text: &str) -> String {
    text.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(simplified, _)| *simplified == c)
                .map_or(c, |(_, traditional)| *traditional)
        })
        .collect()
}

/// An item with Dublin Core values and extra fields.
fn item(
    id: String,
    venue: &str,
    dc: &[(DcElement, &[String])],
    extra: &[(&str, String)],
) -> ItemRecord {
    let mut metadata = Metadata::default();
    for (element, values) in dc {
        metadata.push(*element, values.iter().cloned());
    }
    for (name, value) in extra {
        metadata.push_extra(name, [value.clone()]);
    }
    ItemRecord {
        item: Item {
            source_key: id.clone(),
            id,
            institution_id: Some(venue.to_string()),
            collection_id: None,
            access: AccessLevel::Public,
            metadata,
            created_at: 0,
            updated_at: 0,
            deleted_at: None,
        },
        files: Vec::new(),
    }
}

fn one(value: impl Into<String>) -> Vec<String> {
    vec![value.into()]
}

/// `count` local records, of every kind in turn, drawn from `seed`.
pub fn holdings(seed: u64, count: usize) -> Vec<Holding> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|n| {
            let id = format!("local{n:05}");
            match n % 5 {
                0 => photo(&mut rng, id),
                1 => ceramic(&mut rng, id),
                2 => poster(&mut rng, id),
                3 => chronicle(&mut rng, id),
                _ => recording(&mut rng, id),
            }
        })
        .collect()
}

fn photo(rng: &mut Rng, id: String) -> Holding {
    let place = *rng.pick(&PLACES);
    let scene = *rng.pick(&SCENES);
    let year = 1950 + rng.below(40);
    let title = match rng.below(3) {
        0 => format!("{place}{scene}老照片"),
        1 => format!("{year}年{place}{scene}"),
        _ => format!("{place}的{scene}（{year}年）"),
    };
    let venue = if place == "黄堡镇" || rng.below(3) == 0 {
        "huangbao-station"
    } else {
        "culture-hall"
    };
    let record = item(
        id,
        venue,
        &[
            (DcElement::Title, &one(title)),
            (DcElement::Creator, &one(*rng.pick(&PHOTOGRAPHERS))),
            (
                DcElement::Subject,
                &["老照片".to_string(), scene.to_string()],
            ),
            (DcElement::Coverage, &one(place)),
            (DcElement::Date, &one(format!("{year}年"))),
            (DcElement::Type, &one("照片")),
            (
                DcElement::Description,
                &one(format!("{year}年摄于{place}，{scene}一角，黑白银盐照片。")),
            ),
        ],
        &[(
            "尺寸",
            format!("{}×{}厘米", 6 + rng.below(6), 8 + rng.below(6)),
        )],
    );
    Holding {
        record,
        kind: Kind::Photo,
        attributes: vec![
            ("place", place.to_string()),
            ("scene", scene.to_string()),
            ("year", year.to_string()),
        ],
    }
}

fn ceramic(rng: &mut Rng, id: String) -> Holding {
    let dynasty = *rng.pick(&DYNASTIES);
    let (kiln, place) = *rng.pick(&KILNS);
    let glaze = *rng.pick(&GLAZES);
    let technique = *rng.pick(&TECHNIQUES);
    let motif = *rng.pick(&MOTIFS);
    let vessel = *rng.pick(&VESSELS);
    let title = format!("{dynasty}{kiln}{glaze}{technique}{motif}{vessel}");
    let period = if dynasty == "五代" {
        dynasty.to_string()
    } else {
        format!("{dynasty}代")
    };
    let record = item(
        id,
        "kiln-museum",
        &[
            (DcElement::Title, &one(title)),
            (DcElement::Subject, &["陶瓷".to_string(), kiln.to_string()]),
            (DcElement::Coverage, &one(place)),
            (DcElement::Date, &one(dynasty)),
            (DcElement::Type, &one("瓷器")),
            (
                DcElement::Description,
                &one(format!(
                    "{glaze}莹润，{technique}{motif}，线条流畅，为{kiln}{period}典型器。"
                )),
            ),
        ],
        &[
            ("朝代", period.clone()),
            ("材质", "瓷".to_string()),
            ("器型", vessel.to_string()),
            ("尺寸", format!("高{}厘米", 5 + rng.below(30))),
        ],
    );
    Holding {
        record,
        kind: Kind::Ceramic,
        attributes: vec![
            ("dynasty", period),
            ("kiln", kiln.to_string()),
            ("glaze", glaze.to_string()),
            ("technique", technique.to_string()),
            ("motif", motif.to_string()),
            ("vessel", vessel.to_string()),
        ],
    }
}

fn poster(rng: &mut Rng, id: String) -> Holding {
    let (genre, event) = *rng.pick(&GENRES);
    let year = 1956 + rng.below(40);
    let play = *rng.pick(&PLAYS);
    let staged = event == "演出";
    let title = match rng.below(2) {
        0 if staged => format!("{genre}《{play}》{event}海报"),
        _ => format!("{year}年{genre}{event}海报"),
    };
    let mut subjects = vec![genre.to_string(), "海报".to_string()];
    if staged {
        subjects.push("戏曲".to_string());
    }
    let record = item(
        id,
        "culture-hall",
        &[
            (DcElement::Title, &one(title)),
            (DcElement::Creator, &one("王益区文化馆")),
            (DcElement::Subject, &subjects),
            (DcElement::Coverage, &one(*rng.pick(&PLACES))),
            (
                DcElement::Date,
                &one(format!("{year}年{}月", 1 + rng.below(12))),
            ),
            (DcElement::Type, &one("海报")),
            (
                DcElement::Description,
                &one(format!("{year}年{genre}{event}的宣传海报，石印套色。")),
            ),
        ],
        &[(
            "尺寸",
            format!("{}×{}厘米", 50 + rng.below(30), 70 + rng.below(30)),
        )],
    );
    Holding {
        record,
        kind: Kind::Poster,
        attributes: vec![
            ("genre", genre.to_string()),
            ("event", event.to_string()),
            ("year", year.to_string()),
        ],
    }
}

fn chronicle(rng: &mut Rng, id: String) -> Holding {
    let chronicle = *rng.pick(&CHRONICLES);
    let edition = *rng.pick(&EDITIONS);
    let volumes = 4 + rng.below(20);
    let (date, version) = if edition == "民国" {
        (format!("民国{}年", 1 + rng.below(30)), "铅印本".to_string())
    } else {
        (
            format!("清{edition}{}年", 1 + rng.below(30)),
            "刻本".to_string(),
        )
    };
    let title = if rng.below(4) == 0 {
        format!("续修{chronicle}")
    } else {
        chronicle.to_string()
    };
    let record = item(
        id,
        "district-library",
        &[
            (DcElement::Title, &one(title)),
            (DcElement::Creator, &one("佚名")),
            (DcElement::Subject, &one("地方志")),
            (DcElement::Date, &one(date.clone())),
            (DcElement::Type, &one("古籍")),
            (
                DcElement::Description,
                &one(format!(
                    "{date}{version}，共{volumes}卷，记山川、物产、人物。"
                )),
            ),
        ],
        &[
            ("版本", format!("{edition}{version}")),
            ("卷数", format!("{volumes}卷")),
        ],
    );
    Holding {
        record,
        kind: Kind::Chronicle,
        attributes: vec![
            ("chronicle", chronicle.to_string()),
            ("edition", edition.to_string()),
        ],
    }
}

fn recording(rng: &mut Rng, id: String) -> Holding {
    let genre = *rng.pick(&HERITAGE);
    let inheritor = *rng.pick(&INHERITORS);
    let year = 1980 + rng.below(45);
    let (title, form, item_type) = match rng.below(3) {
        0 => (
            format!("{genre}《{}》唱段录音", rng.pick(&PLAYS)),
            "录音",
            "音频",
        ),
        1 => (format!("{inheritor}{genre}技艺口述访谈"), "访谈", "视频"),
        _ => (format!("{year}年{genre}演出录像"), "录像", "视频"),
    };
    let record = item(
        id,
        "culture-hall",
        &[
            (DcElement::Title, &one(title)),
            (DcElement::Creator, &one(inheritor)),
            (
                DcElement::Subject,
                &["非物质文化遗产".to_string(), genre.to_string()],
            ),
            (DcElement::Coverage, &one(*rng.pick(&PLACES))),
            (DcElement::Date, &one(format!("{year}年"))),
            (DcElement::Type, &one(item_type)),
            (
                DcElement::Description,
                &one(format!("{year}年采录，{genre}传承人{inheritor}。")),
            ),
        ],
        &[("传承人", inheritor.to_string())],
    );
    Holding {
        record,
        kind: Kind::Recording,
        attributes: vec![
            ("genre", genre.to_string()),
            ("inheritor", inheritor.to_string()),
            ("form", form.to_string()),
        ],
    }
}

/// `count` pseudo-poems drawn from `seed`: a title, a poet, a dynasty and
/// four or eight lines of five or seven characters.
pub fn poems(seed: u64, count: usize) -> Vec<Holding> {
    let chars: Vec<char> = POEM_CHARS.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rng = Rng(seed);
    (0..count)
        .map(|n| {
            let mut line = |len: usize| -> String { (0..len).map(|_| *rng.pick(&chars)).collect() };
            let title = line(2 + n % 4);
            let width = if n % 2 == 0 { 5 } else { 7 };
            let lines = if n % 3 == 0 { 8 } else { 4 };
            let text: Vec<String> = (0..lines).map(|_| line(width)).collect();
            let poet = *rng.pick(&POETS);
            let dynasty = *rng.pick(&["唐", "宋", "元"]);
            let record = item(
                format!("poem{n:05}"),
                "district-library",
                &[
                    (DcElement::Title, &one(title)),
                    (DcElement::Creator, &one(poet)),
                    (DcElement::Date, &one(dynasty)),
                    (DcElement::Type, &one("诗词")),
                    (DcElement::Description, &one(text.join("，"))),
                ],
                &[],
            );
            Holding {
                record,
                kind: Kind::Poem,
                attributes: Vec::new(),
            }
        })
        .collect()
}

/// A query template: its name, the kind of record it is made from, the
/// attributes that decide relevance, and how it is written.
struct Template {
    name: &'static str,
    kind: Kind,
    names: &'static [&'static str],
    write: fn(&Holding) -> String,
}

fn value<'a>(holding: &'a Holding, name: &str) -> &'a str {
    holding.attribute(name).unwrap_or_default()
}

const TEMPLATES: [Template; 16] = [
    Template {
        name: "place 的 老照片",
        kind: Kind::Photo,
        names: &["place"],
        write: |h| format!("{}的老照片", value(h, "place")),
    },
    Template {
        name: "place scene 照片",
        kind: Kind::Photo,
        names: &["place", "scene"],
        write: |h| format!("{}{}照片", value(h, "place"), value(h, "scene")),
    },
    Template {
        name: "scene 老照片",
        kind: Kind::Photo,
        names: &["scene"],
        write: |h| format!("{}老照片", value(h, "scene")),
    },
    Template {
        name: "kiln 的 vessel",
        kind: Kind::Ceramic,
        names: &["kiln", "vessel"],
        write: |h| format!("{}的{}", value(h, "kiln"), value(h, "vessel")),
    },
    Template {
        name: "dynasty kiln 瓷器",
        kind: Kind::Ceramic,
        names: &["dynasty", "kiln"],
        write: |h| format!("{}{}瓷器", value(h, "dynasty"), value(h, "kiln")),
    },
    Template {
        name: "glaze technique vessel",
        kind: Kind::Ceramic,
        names: &["glaze", "technique", "vessel"],
        write: |h| {
            format!(
                "{}{}{}",
                value(h, "glaze"),
                value(h, "technique"),
                value(h, "vessel")
            )
        },
    },
    Template {
        name: "dynasty motif vessel",
        kind: Kind::Ceramic,
        names: &["dynasty", "motif", "vessel"],
        write: |h| {
            format!(
                "{}{}{}",
                value(h, "dynasty"),
                value(h, "motif"),
                value(h, "vessel")
            )
        },
    },
    Template {
        name: "genre event 海报",
        kind: Kind::Poster,
        names: &["genre", "event"],
        write: |h| format!("{}{}海报", value(h, "genre"), value(h, "event")),
    },
    Template {
        name: "genre 的 海报",
        kind: Kind::Poster,
        names: &["genre"],
        write: |h| format!("{}的海报", value(h, "genre")),
    },
    Template {
        name: "chronicle edition",
        kind: Kind::Chronicle,
        names: &["chronicle", "edition"],
        write: |h| format!("{}{}", value(h, "chronicle"), value(h, "edition")),
    },
    Template {
        name: "edition 年间 的 chronicle",
        kind: Kind::Chronicle,
        names: &["chronicle", "edition"],
        write: |h| format!("{}年间的{}", value(h, "edition"), value(h, "chronicle")),
    },
    Template {
        name: "genre 唱段录音",
        kind: Kind::Recording,
        names: &["genre", "form"],
        write: |h| format!("{}唱段录音", value(h, "genre")),
    },
    Template {
        name: "genre 传承人 访谈",
        kind: Kind::Recording,
        names: &["genre", "form"],
        write: |h| format!("{}传承人访谈", value(h, "genre")),
    },
    Template {
        name: "inheritor 的 genre",
        kind: Kind::Recording,
        names: &["inheritor", "genre"],
        write: |h| format!("{}的{}", value(h, "inheritor"), value(h, "genre")),
    },
    Template {
        name: "关于 genre 的 录像",
        kind: Kind::Recording,
        names: &["genre", "form"],
        write: |h| format!("关于{}的录像", value(h, "genre")),
    },
    Template {
        name: "year 年 genre 海报",
        kind: Kind::Poster,
        names: &["year", "genre"],
        write: |h| format!("{}年{}海报", value(h, "year"), value(h, "genre")),
    },
];

/// Exploratory queries over `holdings`: templates in turn, each filled from
/// a record of its kind drawn from `seed` (a "唱段录音" query from a
/// recording, and so on), every fourth in traditional characters; the same
/// text is not asked twice. A query's relevant records are those of the
/// template's kind sharing every attribute the template names.
pub fn exploratory_queries(holdings: &[Holding], seed: u64, count: usize) -> Vec<ExploratoryQuery> {
    let mut rng = Rng(seed);
    let mut seen = BTreeSet::new();
    let mut queries = Vec::new();
    let mut attempts = 0;
    while queries.len() < count && attempts < count * 50 {
        attempts += 1;
        let template = &TEMPLATES[queries.len() % TEMPLATES.len()];
        let candidates: Vec<&Holding> = holdings
            .iter()
            .filter(|holding| holding.kind == template.kind)
            .filter(|holding| match template.name {
                // A recording template asks for its form.
                "genre 唱段录音" => holding.attribute("form") == Some("录音"),
                "genre 传承人 访谈" => holding.attribute("form") == Some("访谈"),
                "关于 genre 的 录像" => holding.attribute("form") == Some("录像"),
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            break;
        }
        let source = *rng.pick(&candidates);
        let simplified = (template.write)(source);
        let text = if queries.len() % 4 == 3 {
            to_traditional(&simplified)
        } else {
            simplified
        };
        if !seen.insert(text.clone()) {
            continue;
        }
        let relevant = holdings
            .iter()
            .filter(|holding| holding.kind == template.kind)
            .filter(|holding| {
                template
                    .names
                    .iter()
                    .all(|name| holding.attribute(name) == source.attribute(name))
            })
            .map(|holding| holding.record.item.id.clone())
            .collect();
        queries.push(ExploratoryQuery {
            text,
            relevant,
            template: template.name,
        });
    }
    queries
}
