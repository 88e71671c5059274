//! A small but believable sample archive for `wenyuan demo`.
//!
//! [`write_sample_archive`] writes, under one folder:
//!
//! - `institutions.toml`: five public cultural venues of 王益区 (Wangyi
//!   District, Tongchuan, Shaanxi) with their collections, in the format of
//!   `wenyuan institutions import`;
//! - `scans/`: one folder per venue with `metadata.csv` sheets in Chinese
//!   (one of them in GBK, as Excel on Chinese Windows saves it, one nested a
//!   level down) and procedurally drawn images: multi-page local chronicles
//!   and old textbooks as page folders of PNGs (one page with an OCR `.txt`
//!   sidecar), Yaozhou kiln (耀州窑) ceramics photographed from two or three
//!   sides, culture-hall posters, intangible-heritage photographs and sepia
//!   old photographs as JPEGs.
//!
//! The subjects, titles and dates are real local ones written as librarians
//! write them (民国三十三年, 清光绪十年, 1958年3月, 宋 …); the pictures are
//! drawn by this module and the addresses, telephone numbers and web sites
//! are placeholders. Every item's rights statement says so.
//!
//! The output is deterministic: a tiny xorshift generator seeded from each
//! item's path replaces any random source, so two runs give the same bytes.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// What `write_sample_archive` produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleArchive {
    /// The folder to ingest: `<dir>/scans`.
    pub scans_dir: PathBuf,
    /// The venues and collections to import first: `<dir>/institutions.toml`.
    pub institutions_toml: PathBuf,
    /// Items described by the metadata sheets (one row each).
    pub items: usize,
    /// Content files written (page images, views, photographs, posters);
    /// sheets and the OCR sidecar are not counted.
    pub files: usize,
}

/// Writes a small but believable sample archive under `dir`: an institutions TOML and a `scans/` tree
/// with metadata sheets and procedurally drawn images. Deterministic (same bytes every time).
///
/// Existing files of the same names are overwritten; nothing else under `dir` is touched.
pub fn write_sample_archive(dir: &Path) -> io::Result<SampleArchive> {
    let scans_dir = dir.join("scans");
    fs::create_dir_all(&scans_dir)?;
    let institutions_toml = dir.join("institutions.toml");
    fs::write(&institutions_toml, institutions_toml_text())?;

    let sheets = catalogue();
    let files = draw_all(&scans_dir, &sheets)?;
    let mut items = 0;
    for sheet in sheets {
        let sheet_dir = scans_dir.join(sheet.dir);
        fs::create_dir_all(&sheet_dir)?;
        items += sheet.rows.len();
        let csv = sheet_csv(&sheet)?;
        let bytes = if sheet.gbk {
            let (encoded, _, had_errors) = encoding_rs::GBK.encode(&csv);
            if had_errors {
                return Err(io::Error::other(format!(
                    "sample sheet {} has characters GBK cannot hold",
                    sheet.dir
                )));
            }
            encoded.into_owned()
        } else {
            csv.into_bytes()
        };
        fs::write(sheet_dir.join("metadata.csv"), bytes)?;
    }
    let ocr_page = scans_dir.join("少儿图书馆/地方志/同官县志_民国本/0001.txt");
    fs::write(ocr_page, OCR_TEXT)?;

    Ok(SampleArchive {
        scans_dir,
        institutions_toml,
        items,
        files,
    })
}

/// Draws every row's pictures, items spread over the available cores
/// (each item's bytes depend only on its own seed, so the order does not matter).
fn draw_all(scans_dir: &Path, sheets: &[SheetSpec]) -> io::Result<usize> {
    let jobs: Vec<(PathBuf, &Row)> = sheets
        .iter()
        .flat_map(|sheet| {
            sheet
                .rows
                .iter()
                .map(move |row| (scans_dir.join(sheet.dir).join(row.file), row))
        })
        .collect();
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(8);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> io::Result<usize> {
                    let mut written = 0;
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some((path, row)) = jobs.get(index) else {
                            return Ok(written);
                        };
                        written += write_art(path, &row.art, row.file)?;
                    }
                })
            })
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle
                .join()
                .map_err(|_| io::Error::other("a drawing thread panicked"))??;
        }
        Ok(total)
    })
}

// ---------------------------------------------------------------------------
// Venues and collections
// ---------------------------------------------------------------------------

struct Venue {
    id: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    kind: &'static str,
    address: &'static str,
    opening_hours: &'static str,
    services: &'static [&'static str],
    accessibility: &'static str,
    contact: &'static str,
    website: &'static str,
    collections: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

const VENUES: &[Venue] = &[
    Venue {
        id: "wangyi-children-library",
        name_zh: "王益区少儿图书馆",
        name_en: "Wangyi District Children's Library",
        kind: "library",
        address: "陕西省铜川市王益区红旗街",
        opening_hours: "周二至周日 9:00—17:30（寒暑假延长至19:00）；周一闭馆",
        services: &[
            "图书借阅",
            "少儿阅览",
            "地方文献查阅",
            "亲子阅读活动",
            "数字资源",
        ],
        accessibility: "入口设无障碍坡道，电梯通各层；一楼有无障碍卫生间，可借轮椅；设大字本与有声读物专架",
        contact: "0919-0000001",
        website: "https://library.wangyi.example.org/",
        collections: &[
            (
                "local-chronicles",
                "地方志与乡土文献",
                "Local chronicles and local-history documents",
                "同官县（今铜川）历代县志、乡土资料与家谱的扫描件",
            ),
            (
                "old-textbooks",
                "老课本",
                "Old school textbooks",
                "民国至二十世纪八十年代本地学校使用过的课本",
            ),
        ],
    },
    Venue {
        id: "wangyi-culture-hall",
        name_zh: "王益区文化馆",
        name_en: "Wangyi District Culture Hall",
        kind: "culture_hall",
        address: "陕西省铜川市王益区七一路",
        opening_hours: "周二至周日 9:00—12:00，14:30—18:00；节假日活动另行公告",
        services: &["群众文艺培训", "展览", "非遗展示", "惠民演出", "场地预约"],
        accessibility: "主入口平层无台阶，剧场设轮椅席位4个；演出可预约手语讲解",
        contact: "0919-0000002",
        website: "https://whg.wangyi.example.org/",
        collections: &[
            (
                "event-posters",
                "活动海报",
                "Event posters",
                "文化馆历年举办的展演、培训、比赛活动海报",
            ),
            (
                "intangible-heritage",
                "非物质文化遗产影像",
                "Intangible cultural heritage photographs",
                "耀州窑陶瓷烧制技艺、社火、秦腔、剪纸等非遗项目的记录照片",
            ),
        ],
    },
    Venue {
        id: "huangbao-station",
        name_zh: "黄堡镇综合文化站",
        name_en: "Huangbao Town Cultural Station",
        kind: "cultural_station",
        address: "陕西省铜川市王益区黄堡镇",
        opening_hours: "周一至周五 8:30—12:00，14:00—17:30；周六上午开放",
        services: &["农家书屋", "老照片征集", "文艺排练", "电子阅览"],
        accessibility: "一楼阅览室可轮椅进入；二楼排练厅暂无电梯，可预约在一楼活动室服务",
        contact: "0919-0000003",
        website: "https://huangbao.wangyi.example.org/",
        collections: &[(
            "old-photos",
            "黄堡老照片",
            "Old photographs of Huangbao",
            "镇民捐赠与文化站征集的黄堡老街、陶瓷生产与学校生活老照片",
        )],
    },
    Venue {
        id: "yaozhou-ceramics-gallery",
        name_zh: "耀州窑陶瓷陈列馆",
        name_en: "Yaozhou Kiln Ceramics Gallery",
        kind: "museum",
        address: "陕西省铜川市王益区黄堡镇",
        opening_hours: "周二至周日 9:00—17:00（16:30停止入馆）；周一闭馆",
        services: &["常设展览", "讲解", "陶艺体验", "研学"],
        accessibility: "展厅全程平层，设无障碍通道与卫生间；提供语音导览与轮椅借用",
        contact: "0919-0000004",
        website: "https://yaozhou.wangyi.example.org/",
        collections: &[
            (
                "yaozhou-ware",
                "耀州窑瓷器",
                "Yaozhou ware",
                "唐至元代耀州窑青瓷、月白釉、姜黄釉、黑釉及三彩器物，每件多角度拍摄",
            ),
            (
                "kiln-site-finds",
                "窑址标本",
                "Kiln-site specimens",
                "黄堡窑址采集的瓷片、窑具标本",
            ),
        ],
    },
    Venue {
        id: "wangyi-science-museum",
        name_zh: "王益区科技馆",
        name_en: "Wangyi District Science Museum",
        kind: "science_museum",
        address: "陕西省铜川市王益区青年路",
        opening_hours: "周三至周日 9:00—16:30；法定节假日正常开放",
        services: &["常设展厅", "天象演示", "科普讲座", "青少年科技竞赛"],
        accessibility: "电梯直达各展厅，设无障碍卫生间与母婴室；部分展项有盲文说明",
        contact: "0919-0000005",
        website: "https://kjg.wangyi.example.org/",
        collections: &[(
            "science-outreach",
            "科普展项与活动",
            "Exhibits and outreach",
            "常设展项照片与科普活动海报",
        )],
    },
];

fn toml_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

fn institutions_toml_text() -> String {
    let mut out = String::from(
        "# 王益区公共文化场馆（演示数据）\n\
         # Sample venues for `wenyuan demo`: names and kinds are real, addresses are\n\
         # street-level only, telephone numbers and web sites are placeholders.\n",
    );
    for venue in VENUES {
        out.push_str("\n[[institution]]\n");
        let fields = [
            ("id", venue.id),
            ("name_zh", venue.name_zh),
            ("name_en", venue.name_en),
            ("kind", venue.kind),
            ("address", venue.address),
            ("opening_hours", venue.opening_hours),
        ];
        for (key, value) in fields {
            out.push_str(&format!("{key} = {}\n", toml_string(value)));
        }
        let services: Vec<String> = venue.services.iter().map(|s| toml_string(s)).collect();
        out.push_str(&format!("services = [{}]\n", services.join(", ")));
        for (key, value) in [
            ("accessibility", venue.accessibility),
            ("contact", venue.contact),
            ("website", venue.website),
        ] {
            out.push_str(&format!("{key} = {}\n", toml_string(value)));
        }
        for (id, name_zh, name_en, description) in venue.collections {
            out.push_str("\n[[institution.collection]]\n");
            for (key, value) in [
                ("id", *id),
                ("name_zh", *name_zh),
                ("name_en", *name_en),
                ("description", *description),
            ] {
                out.push_str(&format!("{key} = {}\n", toml_string(value)));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The catalogue: sheets and rows
// ---------------------------------------------------------------------------

/// How a row's file (or folder of files) is drawn.
#[derive(Debug, Clone, Copy)]
enum Art {
    /// A folder of PNG page scans.
    Book(BookStyle, u32),
    /// A folder of JPEG views of one object: shape, glaze, views.
    Ceramic(Shape, Glaze, u32),
    /// One JPEG poster; the number picks the palette.
    Poster(u32),
    /// One JPEG photograph; `true` for an old sepia print.
    Photo(Scene, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BookStyle {
    /// Woodblock print: vertical columns with rules, a frame and a centre strip.
    Woodblock,
    /// Lead type, vertical, without column rules.
    Letterpress,
    /// A hand-copied book: uneven vertical columns and a red seal.
    Manuscript,
    /// A modern textbook: horizontal lines, a heading, pictures, page numbers.
    Textbook,
    /// A stencil-duplicated (油印) booklet: horizontal, faint violet ink.
    Mimeograph,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Meiping,
    Yuhuchun,
    Bowl,
    Plate,
    Ewer,
    Jar,
    Cup,
    Sherd,
    Saggar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glaze {
    Celadon,
    MoonWhite,
    Ginger,
    Black,
    Sancai,
    Unglazed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scene {
    Kiln,
    Throwing,
    Shehuo,
    Opera,
    Papercut,
    Street,
    River,
    Group,
    Excavation,
    Hall,
    Mine,
}

/// One row of a sheet: one item.
struct Row {
    file: &'static str,
    art: Art,
    collection: &'static str,
    title: &'static str,
    creator: &'static str,
    subject: &'static str,
    description: &'static str,
    date: &'static str,
    kind: &'static str,
    place: &'static str,
    language: &'static str,
    access: &'static str,
    extras: &'static [(&'static str, &'static str)],
}

/// One `metadata.csv`.
struct SheetSpec {
    /// Folder under `scans/`.
    dir: &'static str,
    institution: &'static str,
    /// Saved in GBK instead of UTF-8.
    gbk: bool,
    rows: Vec<Row>,
}

const RIGHTS: &str = "演示数据：图像由程序绘制，并非馆藏原件";

const OCR_TEXT: &str = "同官县志卷一\n\
疆域志\n\
同官县在省治之北，东接宜君，西连耀县，南界富平，北抵宜君。\n\
漆水出县北，南流经县城东，又南经黄堡镇，镇以陶瓷名，宋时所烧青瓷即耀州窑也。\n\
县境山多田少，民以耕织陶冶为业。\n";

#[allow(clippy::too_many_arguments)]
fn row(
    file: &'static str,
    art: Art,
    collection: &'static str,
    title: &'static str,
    creator: &'static str,
    subject: &'static str,
    description: &'static str,
    date: &'static str,
    kind: &'static str,
    place: &'static str,
) -> Row {
    Row {
        file,
        art,
        collection,
        title,
        creator,
        subject,
        description,
        date,
        kind,
        place,
        language: "zh",
        access: "公开",
        extras: &[],
    }
}

impl Row {
    fn access(mut self, access: &'static str) -> Row {
        self.access = access;
        self
    }
    fn language(mut self, language: &'static str) -> Row {
        self.language = language;
        self
    }
    fn extras(mut self, extras: &'static [(&'static str, &'static str)]) -> Row {
        self.extras = extras;
        self
    }
}

fn catalogue() -> Vec<SheetSpec> {
    use Art::*;
    vec![
        SheetSpec {
            dir: "少儿图书馆",
            institution: "wangyi-children-library",
            gbk: false,
            rows: vec![
                row(
                    "地方志/同官縣誌_乾隆本",
                    Book(BookStyle::Woodblock, 6),
                    "local-chronicles",
                    "同官縣誌（乾隆本）",
                    "袁文觀 纂修",
                    "地方志；同官县；铜川",
                    "清乾隆年间刻本同官县志，存卷首与疆域、建置诸卷，半叶九行，四周双边，白口，单鱼尾。",
                    "清乾隆三十年",
                    "古籍；地方志",
                    "同官县；铜川",
                )
                .extras(&[("版本", "刻本"), ("尺寸", "26×17厘米"), ("册数", "1册（节选）")]),
                row(
                    "地方志/同官县志_民国本",
                    Book(BookStyle::Letterpress, 5),
                    "local-chronicles",
                    "同官县志（民国三十三年铅印本）",
                    "余正东 修；黎锦熙 纂",
                    "地方志；同官县；耀州窑；黄堡镇",
                    "民国铅印本，三十卷。首页附OCR全文。Republican-era printed gazetteer of Tongguan county (renamed Tongchuan in 1946); the first page carries an OCR text layer.",
                    "民国三十三年",
                    "地方志",
                    "同官县；黄堡镇",
                )
                .language("zh；en")
                .extras(&[("版本", "铅印本"), ("尺寸", "25×15厘米")]),
                row(
                    "地方志/黄堡镇乡土资料汇编",
                    Book(BookStyle::Mimeograph, 4),
                    "local-chronicles",
                    "黄堡镇乡土资料汇编（油印本）",
                    "黄堡镇文化站 编",
                    "乡土资料；黄堡镇；耀州窑；民间文艺",
                    "镇文化站组织编写的油印本，收录黄堡地名由来、窑场旧闻与民歌。",
                    "20世纪80年代",
                    "乡土文献",
                    "黄堡镇",
                )
                .extras(&[("版本", "油印本")]),
                row(
                    "地方志/王氏家谱",
                    Book(BookStyle::Manuscript, 4),
                    "local-chronicles",
                    "王氏家谱（手抄本）",
                    "王氏族人 抄录",
                    "家谱；王益区",
                    "家族世系手抄本，含在世族人信息，应捐赠者要求仅供馆内查阅。",
                    "清光绪十年",
                    "家谱",
                    "王益区",
                )
                .access("受限")
                .extras(&[("版本", "抄本"), ("捐赠者", "王氏后人")]),
                row(
                    "老课本/國語教科書_第三冊",
                    Book(BookStyle::Textbook, 4),
                    "old-textbooks",
                    "國語教科書 第三冊",
                    "商务印书馆",
                    "课本；国语；小学教育",
                    "初级小学国语课本，竖排改横排前的旧式插图课本，书页泛黄。",
                    "民国二十年",
                    "图书；课本",
                    "同官县",
                )
                .extras(&[("尺寸", "19×13厘米")]),
                row(
                    "老课本/初级小学课本语文_第一册",
                    Book(BookStyle::Textbook, 5),
                    "old-textbooks",
                    "初级小学课本 语文 第一册",
                    "人民教育出版社 编",
                    "课本；语文；小学教育",
                    "1958年春季使用的语文课本，内有拼音与插图，扉页有学生姓名。",
                    "1958年3月",
                    "图书；课本",
                    "铜川",
                ),
                row(
                    "老课本/高级小学算术课本",
                    Book(BookStyle::Textbook, 3),
                    "old-textbooks",
                    "高级小学课本 算术 第二册",
                    "人民教育出版社 编",
                    "课本；算术；小学教育",
                    "",
                    "1963年",
                    "图书；课本",
                    "铜川",
                ),
                row(
                    "老课本/陕西乡土教材",
                    Book(BookStyle::Textbook, 3),
                    "old-textbooks",
                    "陕西省小学乡土教材（铜川）",
                    "铜川市教育局 编",
                    "乡土教材；铜川；小学教育",
                    "版权状况待查，暂只公开目录信息。",
                    "20世纪80年代",
                    "图书；课本",
                    "铜川",
                )
                .access("仅元数据"),
            ],
        },
        SheetSpec {
            dir: "耀州窑陶瓷陈列馆",
            institution: "yaozhou-ceramics-gallery",
            gbk: false,
            rows: vec![
                row(
                    "YZ-0001_青釉刻花牡丹纹梅瓶",
                    Ceramic(Shape::Meiping, Glaze::Celadon, 3),
                    "yaozhou-ware",
                    "青釉刻花牡丹纹梅瓶；Celadon meiping vase with carved peony scrolls",
                    "耀州窑",
                    "耀州窑；青瓷；刻花；牡丹纹",
                    "小口，丰肩，修腹，圈足。通体施橄榄青釉，腹部刻缠枝牡丹，刀法犀利，釉在刻痕处积聚而色深。Olive-green celadon with deeply carved peony scrolls; glaze pools in the cuts.",
                    "北宋",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .language("zh；en")
                .extras(&[
                    ("材质", "瓷"),
                    ("尺寸", "高32.5厘米，口径4.8厘米"),
                    ("朝代", "北宋"),
                    ("窑口", "耀州窑"),
                ]),
                row(
                    "YZ-0002_青釉刻花缠枝菊纹碗",
                    Ceramic(Shape::Bowl, Glaze::Celadon, 3),
                    "yaozhou-ware",
                    "青釉刻花缠枝菊纹碗",
                    "耀州窑",
                    "耀州窑；青瓷；刻花；菊纹",
                    "敞口，斜腹，小圈足。内壁刻缠枝菊纹，外壁刻折扇纹。",
                    "宋",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "口径18.6厘米"), ("朝代", "宋")]),
                row(
                    "YZ-0003_青釉印花婴戏纹碗",
                    Ceramic(Shape::Bowl, Glaze::Celadon, 2),
                    "yaozhou-ware",
                    "青釉印花婴戏纹碗",
                    "耀州窑",
                    "耀州窑；青瓷；印花；婴戏纹",
                    "内壁模印婴孩攀枝嬉戏图案，为耀州窑印花青瓷典型纹样。",
                    "宋",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "口径15.2厘米"), ("朝代", "宋")]),
                row(
                    "YZ-0004_青釉刻花莲瓣纹执壶",
                    Ceramic(Shape::Ewer, Glaze::Celadon, 3),
                    "yaozhou-ware",
                    "青釉刻花莲瓣纹执壶",
                    "耀州窑",
                    "耀州窑；青瓷；执壶；莲瓣纹",
                    "",
                    "五代",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "高19厘米"), ("朝代", "五代")]),
                row(
                    "YZ-0005_月白釉玉壶春瓶",
                    Ceramic(Shape::Yuhuchun, Glaze::MoonWhite, 2),
                    "yaozhou-ware",
                    "月白釉玉壶春瓶",
                    "耀州窑",
                    "耀州窑；月白釉；玉壶春瓶",
                    "撇口，细颈，垂腹。釉色月白，釉面肥厚莹润，为金代耀州窑新品种。",
                    "金",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "高27厘米"), ("朝代", "金")]),
                row(
                    "YZ-0006_姜黄釉罐",
                    Ceramic(Shape::Jar, Glaze::Ginger, 2),
                    "yaozhou-ware",
                    "姜黄釉罐",
                    "耀州窑",
                    "耀州窑；姜黄釉；罐",
                    "元代耀州窑烧造的姜黄釉器，胎体较粗，釉色黄中泛褐。",
                    "元",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "高14.5厘米"), ("朝代", "元")]),
                row(
                    "YZ-0007_黑釉盏",
                    Ceramic(Shape::Cup, Glaze::Black, 2),
                    "yaozhou-ware",
                    "黑釉盏",
                    "耀州窑",
                    "耀州窑；黑釉；茶盏；点茶",
                    "宋人点茶所用茶盏，黑釉光亮，口沿釉薄处呈酱色。",
                    "宋",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "口径11.8厘米"), ("朝代", "宋")]),
                row(
                    "YZ-0008_三彩罐",
                    Ceramic(Shape::Jar, Glaze::Sancai, 2),
                    "yaozhou-ware",
                    "三彩罐",
                    "黄堡窑",
                    "黄堡窑；唐三彩；罐",
                    "唐代黄堡窑烧造的三彩器，绿、黄、白三色釉交融流淌。Tang-dynasty three-colour (sancai) jar from the Huangbao kilns.",
                    "唐",
                    "器物；陶器",
                    "黄堡镇",
                )
                .language("zh；en")
                .extras(&[("材质", "陶"), ("尺寸", "高18厘米"), ("朝代", "唐")]),
                row(
                    "YZ-0009_青釉印花海水游鱼纹盘",
                    Ceramic(Shape::Plate, Glaze::Celadon, 2),
                    "yaozhou-ware",
                    "青釉印花海水游鱼纹盘",
                    "耀州窑",
                    "耀州窑；青瓷；印花；鱼纹",
                    "",
                    "宋",
                    "器物；瓷器",
                    "黄堡镇",
                )
                .extras(&[("材质", "瓷"), ("尺寸", "口径20.4厘米"), ("朝代", "宋")]),
                row(
                    "标本/BB-0012_青釉刻花碗残片",
                    Ceramic(Shape::Sherd, Glaze::Celadon, 2),
                    "kiln-site-finds",
                    "青釉刻花碗残片",
                    "耀州窑",
                    "耀州窑；窑址标本；瓷片",
                    "黄堡窑址采集的碗底残片，正在整理研究，图像暂不公开。",
                    "宋",
                    "标本；瓷片",
                    "黄堡镇",
                )
                .access("仅元数据")
                .extras(&[("材质", "瓷"), ("朝代", "宋"), ("出土地点", "黄堡窑址")]),
                row(
                    "标本/BB-0031_匣钵",
                    Ceramic(Shape::Saggar, Glaze::Unglazed, 2),
                    "kiln-site-finds",
                    "匣钵",
                    "耀州窑",
                    "耀州窑；窑具；匣钵；烧制技艺",
                    "装烧瓷器用的窑具，粗砂胎，外壁有火烧痕迹。",
                    "宋",
                    "标本；窑具",
                    "黄堡镇",
                )
                .extras(&[("材质", "耐火土"), ("尺寸", "高12厘米，径24厘米"), ("朝代", "宋")]),
            ],
        },
        SheetSpec {
            dir: "文化馆",
            institution: "wangyi-culture-hall",
            gbk: false,
            rows: vec![
                row(
                    "海报/2019春节社火展演.jpg",
                    Poster(0),
                    "event-posters",
                    "2019年王益区春节社火展演海报",
                    "王益区文化馆",
                    "社火；春节；民俗",
                    "",
                    "2019年1月",
                    "海报",
                    "王益区",
                ),
                row(
                    "海报/陶艺创作大赛.jpg",
                    Poster(1),
                    "event-posters",
                    "王益区陶艺创作大赛征稿海报",
                    "王益区文化馆",
                    "陶艺；耀州窑；比赛",
                    "面向全区征集以耀州窑刻花、印花技法创作的陶艺作品。",
                    "2021年9月",
                    "海报",
                    "王益区；黄堡镇",
                ),
                row(
                    "海报/全民阅读月.jpg",
                    Poster(2),
                    "event-posters",
                    "全民阅读月系列活动海报",
                    "王益区文化馆；王益区少儿图书馆",
                    "全民阅读；亲子阅读",
                    "",
                    "2023年4月",
                    "海报",
                    "王益区",
                ),
                row(
                    "海报/秦腔惠民演出.jpg",
                    Poster(3),
                    "event-posters",
                    "秦腔折子戏惠民演出海报",
                    "王益区文化馆",
                    "秦腔；惠民演出；戏曲",
                    "",
                    "2022年6月",
                    "海报",
                    "王益区",
                ),
                row(
                    "海报/summer-art-classes-2024.jpg",
                    Poster(4),
                    "event-posters",
                    "Summer Art Classes for Children；少儿暑期艺术培训班招生海报",
                    "王益区文化馆",
                    "艺术培训；少儿；书法；舞蹈",
                    "Free summer classes in calligraphy, dance and paper-cutting for children aged 6–14. 免费招收6至14岁少儿。",
                    "2024年7月",
                    "海报",
                    "王益区",
                )
                .language("en；zh"),
                row(
                    "海报/非遗进校园.jpg",
                    Poster(5),
                    "event-posters",
                    "非遗进校园活动海报",
                    "王益区文化馆",
                    "非物质文化遗产；校园；剪纸",
                    "",
                    "2018年5月",
                    "海报",
                    "王益区",
                ),
            ],
        },
        SheetSpec {
            dir: "文化馆/非遗影像",
            institution: "wangyi-culture-hall",
            gbk: false,
            rows: vec![
                row(
                    "耀州窑烧制技艺_拉坯.jpg",
                    Photo(Scene::Throwing, false),
                    "intangible-heritage",
                    "耀州窑陶瓷烧制技艺：拉坯",
                    "王益区文化馆",
                    "耀州窑陶瓷烧制技艺；非物质文化遗产；拉坯",
                    "艺人在轮盘上拉坯成型。耀州窑陶瓷烧制技艺为国家级非物质文化遗产。",
                    "2016年5月",
                    "照片",
                    "黄堡镇",
                )
                .extras(&[("传承人", "黄堡镇陶瓷艺人"), ("非遗级别", "国家级")]),
                row(
                    "耀州窑烧制技艺_装窑.jpg",
                    Photo(Scene::Kiln, false),
                    "intangible-heritage",
                    "耀州窑陶瓷烧制技艺：装窑烧制",
                    "王益区文化馆",
                    "耀州窑陶瓷烧制技艺；非物质文化遗产；馒头窑",
                    "复原的馒头窑点火烧制，窑口火光通红。",
                    "2016年5月",
                    "照片",
                    "黄堡镇",
                )
                .extras(&[("传承人", "黄堡镇陶瓷艺人"), ("非遗级别", "国家级")]),
                row(
                    "耀州窑烧制技艺_刻花.jpg",
                    Photo(Scene::Throwing, false),
                    "intangible-heritage",
                    "耀州窑陶瓷烧制技艺：刻花",
                    "王益区文化馆",
                    "耀州窑陶瓷烧制技艺；刻花",
                    "",
                    "2017年10月",
                    "照片",
                    "黄堡镇",
                )
                .extras(&[("传承人", "黄堡镇陶瓷艺人")]),
                row(
                    "陈炉社火.jpg",
                    Photo(Scene::Shehuo, false),
                    "intangible-heritage",
                    "陈炉社火表演",
                    "王益区文化馆",
                    "社火；民俗；春节",
                    "正月里陈炉社火队来区参加展演，芯子高耸，锣鼓喧天。",
                    "2019年2月",
                    "照片",
                    "陈炉镇；王益区",
                ),
                row(
                    "黄堡社火_芯子.jpg",
                    Photo(Scene::Shehuo, false),
                    "intangible-heritage",
                    "黄堡社火：芯子",
                    "黄堡镇综合文化站",
                    "社火；芯子；民俗",
                    "",
                    "2018年3月",
                    "照片",
                    "黄堡镇",
                ),
                row(
                    "秦腔_三滴血.jpg",
                    Photo(Scene::Opera, false),
                    "intangible-heritage",
                    "秦腔《三滴血》选段演出",
                    "王益区文化馆",
                    "秦腔；戏曲；非物质文化遗产",
                    "",
                    "2022年6月",
                    "照片",
                    "王益区",
                ),
                row(
                    "秦腔_后台.jpg",
                    Photo(Scene::Opera, false),
                    "intangible-heritage",
                    "秦腔演员后台化妆",
                    "王益区文化馆",
                    "秦腔；戏曲",
                    "演员肖像使用授权尚未取得，暂只公开著录信息。",
                    "2022年6月",
                    "照片",
                    "王益区",
                )
                .access("仅元数据"),
                row(
                    "剪纸_十二生肖.jpg",
                    Photo(Scene::Papercut, false),
                    "intangible-heritage",
                    "剪纸作品《十二生肖》",
                    "王益区文化馆剪纸班",
                    "剪纸；非物质文化遗产；生肖",
                    "",
                    "2020年",
                    "照片",
                    "王益区",
                )
                .extras(&[("材质", "红宣纸")]),
                row(
                    "剪纸_耀州窑牡丹.jpg",
                    Photo(Scene::Papercut, false),
                    "intangible-heritage",
                    "剪纸《耀州窑牡丹》",
                    "王益区文化馆剪纸班",
                    "剪纸；牡丹纹；耀州窑",
                    "以耀州窑刻花牡丹为稿的团花剪纸。",
                    "2021年",
                    "照片",
                    "王益区",
                )
                .extras(&[("材质", "红宣纸")]),
            ],
        },
        SheetSpec {
            dir: "黄堡镇综合文化站",
            institution: "huangbao-station",
            gbk: true,
            rows: vec![
                row(
                    "老照片/黄堡老街.jpg",
                    Photo(Scene::Street, true),
                    "old-photos",
                    "黄堡老街",
                    "佚名",
                    "老照片；街景；黄堡镇",
                    "黄堡镇老街旧貌，两侧为店铺。",
                    "民国二十年",
                    "照片",
                    "黄堡镇",
                )
                .extras(&[("尺寸", "8×12厘米"), ("捐赠者", "镇民")]),
                row(
                    "老照片/漆水河畔.jpg",
                    Photo(Scene::River, true),
                    "old-photos",
                    "漆水河畔",
                    "佚名",
                    "老照片；漆水河；风景",
                    "",
                    "20世纪50年代",
                    "照片",
                    "黄堡镇；漆水河",
                ),
                row(
                    "老照片/陶瓷生产合作社合影.jpg",
                    Photo(Scene::Group, true),
                    "old-photos",
                    "黄堡陶瓷生产合作社社员合影",
                    "佚名",
                    "老照片；合影；陶瓷生产",
                    "",
                    "1958年3月",
                    "照片",
                    "黄堡镇",
                ),
                row(
                    "老照片/耀州窑遗址发掘.jpg",
                    Photo(Scene::Excavation, true),
                    "old-photos",
                    "耀州窑遗址发掘现场",
                    "佚名",
                    "老照片；考古；耀州窑遗址",
                    "",
                    "1959年",
                    "照片",
                    "黄堡镇",
                ),
                row(
                    "老照片/小学师生合影.jpg",
                    Photo(Scene::Group, true),
                    "old-photos",
                    "黄堡镇小学师生合影",
                    "佚名",
                    "老照片；合影；学校",
                    "",
                    "1963年",
                    "照片",
                    "黄堡镇",
                ),
                row(
                    "老照片/文化站成立留影.jpg",
                    Photo(Scene::Street, true),
                    "old-photos",
                    "黄堡镇文化站成立留影",
                    "黄堡镇文化站",
                    "老照片；文化站",
                    "",
                    "20世纪80年代",
                    "照片",
                    "黄堡镇",
                ),
                row(
                    "老照片/老窑工.jpg",
                    Photo(Scene::Kiln, true),
                    "old-photos",
                    "老窑工在窑前",
                    "佚名",
                    "老照片；窑工；陶瓷生产",
                    "人物身份待确认，暂只公开著录信息。",
                    "20世纪70年代",
                    "照片",
                    "黄堡镇",
                )
                .access("仅元数据"),
            ],
        },
        SheetSpec {
            dir: "科技馆",
            institution: "wangyi-science-museum",
            gbk: false,
            rows: vec![
                row(
                    "展项/煤矿安全展区.jpg",
                    Photo(Scene::Mine, false),
                    "science-outreach",
                    "煤矿安全科普展区",
                    "王益区科技馆",
                    "煤矿；安全生产；科普",
                    "模拟巷道展示矿灯、支护与瓦斯检测，讲述铜川煤炭工业的历史。",
                    "2021年",
                    "照片",
                    "王益区",
                ),
                row(
                    "展项/天象厅.jpg",
                    Photo(Scene::Hall, false),
                    "science-outreach",
                    "天象厅与行星模型",
                    "王益区科技馆",
                    "天文；科普；展项",
                    "",
                    "2022年",
                    "照片",
                    "王益区",
                ),
                row(
                    "展项/陶瓷里的科学.jpg",
                    Photo(Scene::Hall, false),
                    "science-outreach",
                    "陶瓷里的科学展板",
                    "王益区科技馆；耀州窑陶瓷陈列馆",
                    "陶瓷；材料科学；耀州窑",
                    "讲解青瓷釉色中铁元素与还原焰烧成的关系。",
                    "2023年",
                    "照片",
                    "王益区",
                ),
                row(
                    "海报/机器人竞赛.jpg",
                    Poster(6),
                    "science-outreach",
                    "青少年机器人竞赛海报",
                    "王益区科技馆",
                    "机器人；青少年；科技竞赛",
                    "",
                    "2023年11月",
                    "海报",
                    "王益区",
                ),
                row(
                    "海报/科技活动周.jpg",
                    Poster(7),
                    "science-outreach",
                    "科技活动周海报；Science Week at Wangyi Science Museum",
                    "王益区科技馆",
                    "科技活动周；科普",
                    "",
                    "2024年5月",
                    "海报",
                    "王益区",
                )
                .language("zh；en"),
            ],
        },
    ]
}

const BASE_HEADERS: &[&str] = &[
    "文件",
    "题名",
    "责任者",
    "主题",
    "描述",
    "日期",
    "类型",
    "地点",
    "语言",
    "权利",
    "机构",
    "藏品集",
    "访问级别",
];

/// The sheet as CSV text: the base columns, then every extra column its rows use.
fn sheet_csv(sheet: &SheetSpec) -> io::Result<String> {
    let mut extra_names: Vec<&str> = Vec::new();
    for row in &sheet.rows {
        for (name, _) in row.extras {
            if !extra_names.contains(name) {
                extra_names.push(name);
            }
        }
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header: Vec<&str> = BASE_HEADERS.iter().chain(&extra_names).copied().collect();
    writer.write_record(&header).map_err(io::Error::other)?;
    for row in &sheet.rows {
        let mut record = vec![
            row.file,
            row.title,
            row.creator,
            row.subject,
            row.description,
            row.date,
            row.kind,
            row.place,
            row.language,
            RIGHTS,
            sheet.institution,
            row.collection,
            row.access,
        ];
        for name in &extra_names {
            let value = row
                .extras
                .iter()
                .find(|(extra, _)| extra == name)
                .map_or("", |(_, value)| *value);
            record.push(value);
        }
        writer.write_record(&record).map_err(io::Error::other)?;
    }
    let bytes = writer.into_inner().map_err(io::Error::other)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

// ---------------------------------------------------------------------------
// Writing the pictures
// ---------------------------------------------------------------------------

/// Draws a row's file or folder; returns how many content files were written.
fn write_art(path: &Path, art: &Art, key: &str) -> io::Result<usize> {
    let seed = seed_of(key);
    match *art {
        Art::Book(style, pages) => {
            fs::create_dir_all(path)?;
            for page in 1..=pages {
                let mut rng = Rng::new(seed ^ u64::from(page).wrapping_mul(0x9E37_79B9));
                let canvas = draw_page(style, page, &mut rng);
                write_png(&path.join(format!("{page:04}.png")), &canvas)?;
            }
            Ok(pages as usize)
        }
        Art::Ceramic(shape, glaze, views) => {
            fs::create_dir_all(path)?;
            let names = ["01_正面.jpg", "02_侧面.jpg", "03_底足.jpg"];
            for (view, name) in names.iter().enumerate().take(views as usize) {
                let mut rng = Rng::new(seed ^ (view as u64 + 1).wrapping_mul(0x51_7CC1));
                // The last view of three is always the foot, seen from below.
                let is_foot = views == 3 && view == 2;
                let canvas = draw_ceramic(shape, glaze, view as u32, is_foot, &mut rng);
                write_jpeg(&path.join(name), &canvas)?;
            }
            Ok(views as usize)
        }
        Art::Poster(palette) => {
            create_parent(path)?;
            let mut rng = Rng::new(seed);
            write_jpeg(path, &draw_poster(palette, &mut rng))?;
            Ok(1)
        }
        Art::Photo(scene, old) => {
            create_parent(path)?;
            let mut rng = Rng::new(seed);
            let mut canvas = draw_scene(scene, &mut rng);
            if old {
                canvas = age_photograph(&canvas, &mut rng);
            }
            write_jpeg(path, &canvas)?;
            Ok(1)
        }
    }
}

fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) => fs::create_dir_all(parent),
        None => Ok(()),
    }
}

fn write_png(path: &Path, canvas: &Canvas) -> io::Result<()> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(
            &canvas.pixels,
            canvas.width,
            canvas.height,
            ExtendedColorType::Rgb8,
        )
        .map_err(io::Error::other)?;
    fs::write(path, bytes)
}

fn write_jpeg(path: &Path, canvas: &Canvas) -> io::Result<()> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 85)
        .write_image(
            &canvas.pixels,
            canvas.width,
            canvas.height,
            ExtendedColorType::Rgb8,
        )
        .map_err(io::Error::other)?;
    fs::write(path, bytes)
}

/// FNV-1a of the item's path: a stable seed per item.
fn seed_of(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash | 1
}

/// xorshift64*: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut rng = Rng(seed | 1);
        for _ in 0..4 {
            rng.next();
        }
        rng
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[low, high)`.
    fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `[low, high)`.
    fn int(&mut self, low: i32, high: i32) -> i32 {
        if high <= low {
            return low;
        }
        low + (self.next() % (high - low) as u64) as i32
    }

    fn chance(&mut self, probability: f32) -> bool {
        self.unit() < probability
    }
}

type Rgb = [u8; 3];

/// Paints a run of RGB pixels one colour.
fn fill_span(span: &mut [u8], colour: Rgb) {
    if colour[0] == colour[1] && colour[1] == colour[2] {
        span.fill(colour[0]);
        return;
    }
    let pattern = colour.repeat(64);
    for chunk in span.chunks_mut(pattern.len()) {
        chunk.copy_from_slice(&pattern[..chunk.len()]);
    }
}

fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    [
        (a[0] as f32 + (b[0] as f32 - a[0] as f32) * t) as u8,
        (a[1] as f32 + (b[1] as f32 - a[1] as f32) * t) as u8,
        (a[2] as f32 + (b[2] as f32 - a[2] as f32) * t) as u8,
    ]
}

fn scale(c: Rgb, factor: f32) -> Rgb {
    [
        (c[0] as f32 * factor).clamp(0.0, 255.0) as u8,
        (c[1] as f32 * factor).clamp(0.0, 255.0) as u8,
        (c[2] as f32 * factor).clamp(0.0, 255.0) as u8,
    ]
}

/// An RGB picture with the few drawing primitives the samples need.
struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32, colour: Rgb) -> Canvas {
        let pixels = colour.repeat(width as usize * height as usize);
        Canvas {
            width,
            height,
            pixels,
        }
    }

    /// Fills every pixel from a function of its position.
    fn shade(&mut self, mut f: impl FnMut(i32, i32) -> Rgb) {
        let width = self.width as usize;
        for (index, pixel) in self.pixels.chunks_exact_mut(3).enumerate() {
            let colour = f((index % width) as i32, (index / width) as i32);
            pixel.copy_from_slice(&colour);
        }
    }

    /// Fills every row with one colour from a function of the row.
    fn shade_rows(&mut self, mut f: impl FnMut(i32) -> Rgb) {
        let stride = self.width as usize * 3;
        for (y, row) in self.pixels.chunks_exact_mut(stride).enumerate() {
            fill_span(row, f(y as i32));
        }
    }

    fn w(&self) -> i32 {
        self.width as i32
    }

    fn h(&self) -> i32 {
        self.height as i32
    }

    fn get(&self, x: i32, y: i32) -> Rgb {
        let index = (y as usize * self.width as usize + x as usize) * 3;
        [
            self.pixels[index],
            self.pixels[index + 1],
            self.pixels[index + 2],
        ]
    }

    fn blend(&mut self, x: i32, y: i32, colour: Rgb, alpha: f32) {
        if x < 0 || y < 0 || x >= self.w() || y >= self.h() {
            return;
        }
        let index = (y as usize * self.width as usize + x as usize) * 3;
        let old = [
            self.pixels[index],
            self.pixels[index + 1],
            self.pixels[index + 2],
        ];
        let new = if alpha >= 1.0 {
            colour
        } else {
            mix(old, colour, alpha)
        };
        self.pixels[index..index + 3].copy_from_slice(&new);
    }

    fn rect(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, colour: Rgb, alpha: f32) {
        let (x0, x1) = (x0.max(0), x1.min(self.w()));
        if x0 >= x1 {
            return;
        }
        if alpha >= 1.0 {
            let stride = self.width as usize * 3;
            for y in y0.max(0)..y1.min(self.h()) {
                let start = y as usize * stride;
                fill_span(
                    &mut self.pixels[start + x0 as usize * 3..start + x1 as usize * 3],
                    colour,
                );
            }
            return;
        }
        for y in y0.max(0)..y1.min(self.h()) {
            for x in x0.max(0)..x1.min(self.w()) {
                self.blend(x, y, colour, alpha);
            }
        }
    }

    fn ellipse(&mut self, cx: f32, cy: f32, rx: f32, ry: f32, colour: Rgb, alpha: f32) {
        let (rx, ry) = (rx.max(0.5), ry.max(0.5));
        for y in (cy - ry) as i32..=(cy + ry) as i32 {
            let dy = (y as f32 - cy) / ry;
            if dy.abs() > 1.0 {
                continue;
            }
            let half = rx * (1.0 - dy * dy).sqrt();
            self.rect(
                (cx - half) as i32,
                y,
                (cx + half) as i32 + 1,
                y + 1,
                colour,
                alpha,
            );
        }
    }

    /// A soft round glow: alpha falls off from the centre.
    fn glow(&mut self, cx: f32, cy: f32, radius: f32, colour: Rgb, strength: f32) {
        for y in (cy - radius) as i32..=(cy + radius) as i32 {
            for x in (cx - radius) as i32..=(cx + radius) as i32 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / radius;
                if d < 1.0 {
                    self.blend(x, y, colour, strength * (1.0 - d) * (1.0 - d));
                }
            }
        }
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, colour: Rgb, alpha: f32) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let half = (width / 2.0).max(0.5);
        let steps = dx.abs().max(dy.abs()).max(1.0) as i32;
        // One cross-section per step: a vertical span for flat lines, a horizontal one for steep lines.
        let flat = dx.abs() >= dy.abs();
        for step in 0..=steps {
            let t = step as f32 / steps as f32;
            let x = from.0 + dx * t;
            let y = from.1 + dy * t;
            if flat {
                self.rect(
                    x as i32,
                    (y - half) as i32,
                    x as i32 + 1,
                    (y + half) as i32 + 1,
                    colour,
                    alpha,
                );
            } else {
                self.rect(
                    (x - half) as i32,
                    y as i32,
                    (x + half) as i32 + 1,
                    y as i32 + 1,
                    colour,
                    alpha,
                );
            }
        }
    }

    /// A filled triangle (half-plane test over its bounding box).
    fn triangle(&mut self, points: [(f32, f32); 3], colour: Rgb, alpha: f32) {
        let [a, b, c] = points;
        let edge = |p: (f32, f32), q: (f32, f32), x: f32, y: f32| {
            (q.0 - p.0) * (y - p.1) - (q.1 - p.1) * (x - p.0)
        };
        let min_x = a.0.min(b.0).min(c.0) as i32;
        let max_x = a.0.max(b.0).max(c.0) as i32;
        let min_y = a.1.min(b.1).min(c.1) as i32;
        let max_y = a.1.max(b.1).max(c.1) as i32;
        for y in min_y.max(0)..=max_y.min(self.h() - 1) {
            for x in min_x.max(0)..=max_x.min(self.w() - 1) {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let e0 = edge(a, b, px, py);
                let e1 = edge(b, c, px, py);
                let e2 = edge(c, a, px, py);
                if (e0 >= 0.0 && e1 >= 0.0 && e2 >= 0.0) || (e0 <= 0.0 && e1 <= 0.0 && e2 <= 0.0) {
                    self.blend(x, y, colour, alpha);
                }
            }
        }
    }

    /// A made-up Han character: three to six strokes in a square cell.
    fn glyph(&mut self, x: f32, y: f32, size: f32, colour: Rgb, rng: &mut Rng) {
        let weight = (size * 0.09).max(1.5);
        let strokes = rng.int(3, 7);
        for _ in 0..strokes {
            let kind = rng.int(0, 10);
            let a = rng.range(0.08, 0.5);
            let b = rng.range(0.5, 0.92);
            let at = rng.range(0.1, 0.9);
            let (from, to) = match kind {
                0..=3 => ((a, at), (b, at + rng.range(-0.03, 0.01))),
                4..=6 => ((at, a), (at, b)),
                7 => ((at, a), (at - rng.range(0.15, 0.35), b)),
                8 => ((at, a), (at + rng.range(0.15, 0.35), b)),
                _ => ((at, at), (at + 0.06, at + 0.08)),
            };
            self.line(
                (x + from.0 * size, y + from.1 * size),
                (x + to.0 * size, y + to.1 * size),
                weight,
                colour,
                1.0,
            );
        }
    }

    /// A little person: head, body and legs, standing with feet at `(x, y)`.
    fn figure(&mut self, x: f32, y: f32, height: f32, clothes: Rgb, skin: Rgb) {
        let head = height * 0.13;
        let shoulders = height * 0.16;
        let body_top = y - height + head * 2.0;
        let hips = y - height * 0.42;
        self.triangle(
            [
                (x - shoulders, body_top),
                (x + shoulders, body_top),
                (x + shoulders * 1.2, hips),
            ],
            clothes,
            1.0,
        );
        self.triangle(
            [
                (x - shoulders, body_top),
                (x + shoulders * 1.2, hips),
                (x - shoulders * 1.2, hips),
            ],
            clothes,
            1.0,
        );
        let legs = scale(clothes, 0.55);
        self.rect(
            (x - shoulders * 0.8) as i32,
            hips as i32,
            (x - shoulders * 0.1) as i32,
            y as i32,
            legs,
            1.0,
        );
        self.rect(
            (x + shoulders * 0.1) as i32,
            hips as i32,
            (x + shoulders * 0.8) as i32,
            y as i32,
            legs,
            1.0,
        );
        self.ellipse(x, body_top - head * 0.9, head * 0.8, head, skin, 1.0);
        self.ellipse(
            x,
            body_top - head * 1.6,
            head * 0.8,
            head * 0.4,
            [30, 26, 24],
            1.0,
        );
    }
}

// ---------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------

fn draw_page(style: BookStyle, page: u32, rng: &mut Rng) -> Canvas {
    let (width, height) = match style {
        BookStyle::Textbook => (960, 1360),
        _ => (1000, 1420),
    };
    let paper: Rgb = match style {
        BookStyle::Woodblock => [222, 204, 164],
        BookStyle::Manuscript => [214, 196, 158],
        BookStyle::Letterpress => [226, 214, 186],
        BookStyle::Textbook => [230, 222, 198],
        BookStyle::Mimeograph => [232, 228, 212],
    };
    let ink: Rgb = match style {
        BookStyle::Mimeograph => [88, 66, 120],
        BookStyle::Manuscript => [34, 28, 26],
        _ => [42, 36, 32],
    };
    let mut canvas = Canvas::new(width, height, paper);
    // Yellowing: browner towards the edges, with a slow blotchy tone over the sheet.
    let (w, h) = (width as f32, height as f32);
    let tone = rng.range(0.0, std::f32::consts::TAU);
    let browned: Rgb = [176, 142, 92];
    // Both terms are products of a column part and a row part, computed once each.
    let columns: Vec<(f32, f32)> = (0..width)
        .map(|x| {
            let fx = x as f32 / w;
            (fx.min(1.0 - fx), (fx * 5.0 + tone).sin())
        })
        .collect();
    let rows: Vec<(f32, f32)> = (0..height)
        .map(|y| {
            let fy = y as f32 / h;
            (fy.min(1.0 - fy), (fy * 4.0 - tone).cos())
        })
        .collect();
    canvas.shade(|x, y| {
        let (column_edge, column_wave) = columns[x as usize];
        let (row_edge, row_wave) = rows[y as usize];
        let edge = column_edge.min(row_edge);
        let edge_brown = (1.0 - edge / 0.08).clamp(0.0, 1.0) * 0.45;
        let blotch = (column_wave * row_wave * 0.5 + 0.5) * 0.12;
        mix(paper, browned, edge_brown + blotch)
    });
    // Foxing: a few rust-brown spots.
    for _ in 0..rng.int(3, 12) {
        let (x, y) = (rng.range(0.0, w), rng.range(0.0, h));
        let radius = rng.range(3.0, 14.0);
        canvas.ellipse(
            x,
            y,
            radius,
            radius * rng.range(0.7, 1.2),
            [150, 104, 60],
            0.25,
        );
    }

    let margin_x = w * 0.1;
    let margin_y = h * 0.08;
    match style {
        BookStyle::Woodblock | BookStyle::Letterpress | BookStyle::Manuscript => {
            let ruled = style == BookStyle::Woodblock;
            let (x0, y0, x1, y1) = (margin_x, margin_y, w - margin_x, h - margin_y);
            if ruled {
                // 四周双边: a thick outer and a thin inner frame.
                for (inset, weight) in [(0.0, 6.0), (12.0, 2.0)] {
                    let (a, b, c, d) = (x0 + inset, y0 + inset, x1 - inset, y1 - inset);
                    canvas.line((a, b), (c, b), weight, ink, 1.0);
                    canvas.line((a, d), (c, d), weight, ink, 1.0);
                    canvas.line((a, b), (a, d), weight, ink, 1.0);
                    canvas.line((c, b), (c, d), weight, ink, 1.0);
                }
                // The centre strip (版心) on the right edge, with a fish-tail mark and a folio number.
                let strip = x1 - 12.0 - w * 0.07;
                canvas.line((strip, y0 + 12.0), (strip, y1 - 12.0), 2.0, ink, 1.0);
                let mid = (strip + x1 - 12.0) / 2.0;
                let fish = y0 + h * 0.22;
                canvas.triangle(
                    [(strip, fish), (x1 - 12.0, fish), (mid, fish + 40.0)],
                    ink,
                    1.0,
                );
                for digit in 0..(1 + page % 3) {
                    canvas.glyph(
                        mid - 15.0,
                        y1 - h * 0.25 + digit as f32 * 36.0,
                        30.0,
                        ink,
                        rng,
                    );
                }
            } else if style == BookStyle::Letterpress {
                canvas.line((x0, y0), (x1, y0), 3.0, ink, 1.0);
                canvas.line((x0, y1), (x1, y1), 3.0, ink, 1.0);
                canvas.glyph(w / 2.0 - 12.0, y1 + 22.0, 24.0, ink, rng);
            }
            let text_right = if ruled { x1 - 12.0 - w * 0.07 } else { x1 };
            let columns = if style == BookStyle::Manuscript {
                8
            } else {
                10
            };
            let column_width = (text_right - x0 - 16.0) / columns as f32;
            let size = column_width * if ruled { 0.66 } else { 0.72 };
            // Right to left, top to bottom, as Chinese books are read.
            for column in 0..columns {
                let cx = text_right - 8.0 - column_width * (column as f32 + 1.0);
                if ruled && column > 0 {
                    canvas.line(
                        (cx + column_width, y0 + 12.0),
                        (cx + column_width, y1 - 12.0),
                        1.5,
                        ink,
                        0.7,
                    );
                }
                let slots = ((y1 - y0 - 30.0) / (size * 1.12)) as i32;
                let filled = if rng.chance(0.15) {
                    rng.int(2, slots)
                } else {
                    slots
                };
                let indent = if page == 1 && column == 0 { 0 } else { 1 };
                for slot in indent.min(filled)..filled {
                    let jitter = if style == BookStyle::Manuscript {
                        rng.range(-4.0, 4.0)
                    } else {
                        0.0
                    };
                    let faded = scale(ink, rng.range(0.9, 1.5));
                    canvas.glyph(
                        cx + (column_width - size) / 2.0 + jitter,
                        y0 + 20.0 + slot as f32 * size * 1.12,
                        size,
                        faded,
                        rng,
                    );
                }
            }
            if style == BookStyle::Manuscript && page == 1 {
                // A red collector's seal, square, with white strokes inside.
                let (sx, sy, side) = (x0 + 30.0, y1 - 200.0, 140.0);
                canvas.rect(
                    sx as i32,
                    sy as i32,
                    (sx + side) as i32,
                    (sy + side) as i32,
                    [176, 40, 36],
                    0.85,
                );
                for quarter in 0..4 {
                    let qx = sx + 12.0 + (quarter % 2) as f32 * 62.0;
                    let qy = sy + 12.0 + (quarter / 2) as f32 * 62.0;
                    canvas.glyph(qx, qy, 54.0, [230, 200, 180], rng);
                }
            }
        }
        BookStyle::Textbook | BookStyle::Mimeograph => {
            let (x0, x1) = (margin_x, w - margin_x);
            let mut y = margin_y;
            let size = if style == BookStyle::Textbook {
                38.0
            } else {
                30.0
            };
            if page == 1 || rng.chance(0.4) {
                // A lesson heading in larger characters.
                let heading = size * 1.6;
                let count = rng.int(3, 7);
                let start = (w - count as f32 * heading * 1.1) / 2.0;
                for index in 0..count {
                    canvas.glyph(start + index as f32 * heading * 1.1, y, heading, ink, rng);
                }
                y += heading * 1.8;
            }
            let picture_at = if style == BookStyle::Textbook {
                rng.int(1, 6)
            } else {
                -1
            };
            let mut line = 0;
            while y < h - margin_y - size * 2.0 {
                if line == picture_at {
                    let picture_height = h * 0.26;
                    draw_textbook_picture(&mut canvas, x0, y, x1 - x0, picture_height, rng);
                    y += picture_height + size;
                } else {
                    let length = if rng.chance(0.2) {
                        rng.range(0.3, 0.8)
                    } else {
                        1.0
                    };
                    let mut x = x0 + if rng.chance(0.2) { size * 2.2 } else { 0.0 };
                    while x < x0 + (x1 - x0) * length - size {
                        let shade = scale(ink, rng.range(0.85, 1.4));
                        canvas.glyph(x, y, size, shade, rng);
                        x += size * 1.1;
                    }
                    y += size * 1.8;
                }
                line += 1;
            }
            // Page number, centred at the foot.
            let digits = 1 + (page >= 10) as i32;
            for digit in 0..digits {
                let x = w / 2.0 - 10.0 * digits as f32 + digit as f32 * 20.0;
                canvas.line(
                    (x + 6.0, h - margin_y * 0.6),
                    (x + 6.0 + (page % 3) as f32 * 3.0, h - margin_y * 0.6 + 24.0),
                    3.0,
                    ink,
                    1.0,
                );
            }
        }
    }
    canvas
}

/// A line drawing in a textbook: a frame, a sun, hills and a house or a tree.
fn draw_textbook_picture(canvas: &mut Canvas, x: f32, y: f32, w: f32, h: f32, rng: &mut Rng) {
    let ink: Rgb = [60, 52, 46];
    let tint: Rgb = [196, 120, 90];
    canvas.rect(
        x as i32,
        y as i32,
        (x + w) as i32,
        (y + h) as i32,
        [236, 228, 206],
        0.6,
    );
    for (a, b) in [
        ((x, y), (x + w, y)),
        ((x, y + h), (x + w, y + h)),
        ((x, y), (x, y + h)),
        ((x + w, y), (x + w, y + h)),
    ] {
        canvas.line(a, b, 3.0, ink, 1.0);
    }
    canvas.ellipse(x + w * 0.8, y + h * 0.25, h * 0.1, h * 0.1, tint, 0.8);
    let ground = y + h * 0.75;
    let mut previous = (x, ground);
    let phase = rng.range(0.0, 6.0);
    for step in 1..=40 {
        let px = x + w * step as f32 / 40.0;
        let py = ground - h * 0.25 * ((step as f32 * 0.3 + phase).sin() * 0.5 + 0.5);
        canvas.line(previous, (px, py), 2.5, ink, 1.0);
        previous = (px, py);
    }
    let house = x + w * rng.range(0.15, 0.5);
    canvas.rect(
        house as i32,
        (ground - h * 0.25) as i32,
        (house + w * 0.16) as i32,
        ground as i32,
        [200, 180, 150],
        1.0,
    );
    canvas.triangle(
        [
            (house - w * 0.02, ground - h * 0.25),
            (house + w * 0.18, ground - h * 0.25),
            (house + w * 0.08, ground - h * 0.42),
        ],
        tint,
        0.9,
    );
    canvas.figure(
        house + w * 0.3,
        ground + h * 0.18,
        h * 0.4,
        [70, 90, 140],
        [230, 190, 160],
    );
}

// ---------------------------------------------------------------------------
// Ceramics
// ---------------------------------------------------------------------------

/// Half-width of a vessel at `t` (0 = mouth, 1 = foot), relative to its widest point.
fn profile(shape: Shape, t: f32) -> f32 {
    let smooth = |x: f32| {
        let x = x.clamp(0.0, 1.0);
        x * x * (3.0 - 2.0 * x)
    };
    match shape {
        Shape::Meiping => {
            if t < 0.06 {
                0.2
            } else if t < 0.24 {
                0.2 + 0.8 * smooth((t - 0.06) / 0.18).sqrt()
            } else {
                1.0 - 0.48 * ((t - 0.24) / 0.76).powf(1.4)
            }
        }
        Shape::Yuhuchun => {
            if t < 0.05 {
                0.34 - t * 2.0
            } else if t < 0.35 {
                0.2 + 0.05 * ((t - 0.05) / 0.3)
            } else if t < 0.75 {
                0.25 + 0.75 * smooth((t - 0.35) / 0.4)
            } else {
                1.0 - 0.45 * smooth((t - 0.75) / 0.25)
            }
        }
        Shape::Bowl | Shape::Cup | Shape::Sherd => 0.34 + 0.66 * (1.0 - t * t).sqrt(),
        Shape::Plate => 0.5 + 0.5 * (1.0 - t * t * t).sqrt(),
        Shape::Jar | Shape::Ewer => {
            if t < 0.1 {
                0.48
            } else {
                0.5 + 0.5 * (std::f32::consts::PI * (t - 0.1) / 0.9).sin().powf(0.7)
            }
        }
        Shape::Saggar => 1.0 - 0.06 * t,
    }
}

/// Height-to-width of the vessel's silhouette.
fn aspect(shape: Shape) -> f32 {
    match shape {
        Shape::Meiping => 1.9,
        Shape::Yuhuchun => 1.7,
        Shape::Bowl | Shape::Sherd => 0.42,
        Shape::Cup => 0.5,
        Shape::Plate => 0.18,
        Shape::Jar => 1.0,
        Shape::Ewer => 1.25,
        Shape::Saggar => 0.5,
    }
}

fn glaze_colours(glaze: Glaze) -> (Rgb, Rgb) {
    // (the glaze, the glaze where it pools thick)
    match glaze {
        Glaze::Celadon => ([128, 148, 92], [62, 92, 52]),
        Glaze::MoonWhite => ([200, 212, 206], [160, 182, 180]),
        Glaze::Ginger => ([194, 152, 74], [136, 96, 40]),
        Glaze::Black => ([40, 34, 30], [92, 54, 30]),
        Glaze::Sancai => ([214, 196, 150], [70, 120, 60]),
        Glaze::Unglazed => ([150, 132, 112], [96, 82, 70]),
    }
}

fn draw_ceramic(shape: Shape, glaze: Glaze, view: u32, foot_view: bool, rng: &mut Rng) -> Canvas {
    let tall = aspect(shape) >= 1.0;
    let (width, height) = if tall { (1000, 1250) } else { (1300, 960) };
    let mut canvas = Canvas::new(width, height, [220, 220, 218]);
    let (w, h) = (width as f32, height as f32);
    // A neutral studio sweep: darker at the top, a soft pool of light in the middle.
    let falloff: Vec<f32> = (0..width)
        .map(|x| {
            let fx = x as f32 / w - 0.5;
            0.12 * fx * fx
        })
        .collect();
    canvas.shade(|x, y| {
        let light = 0.78 + 0.18 * y as f32 / h - falloff[x as usize];
        scale([232, 231, 228], light.min(1.05))
    });
    let (base, pooled) = glaze_colours(glaze);
    let foot_colour: Rgb = if glaze == Glaze::Sancai {
        [226, 206, 178]
    } else {
        [198, 170, 132]
    };

    if foot_view {
        // Seen from below: the glazed outer wall, the unglazed foot ring and the base.
        let (cx, cy) = (w / 2.0, h / 2.0);
        let radius = h.min(w) * 0.36;
        canvas.ellipse(cx + 14.0, cy + 18.0, radius, radius, [150, 150, 148], 0.35);
        canvas.ellipse(cx, cy, radius, radius, pooled, 1.0);
        canvas.ellipse(
            cx - radius * 0.1,
            cy - radius * 0.1,
            radius * 0.85,
            radius * 0.85,
            base,
            0.6,
        );
        canvas.ellipse(cx, cy, radius * 0.42, radius * 0.42, foot_colour, 1.0);
        canvas.ellipse(
            cx,
            cy,
            radius * 0.34,
            radius * 0.34,
            scale(foot_colour, 0.9),
            1.0,
        );
        for _ in 0..14 {
            // Iron-red firing blush on the exposed body.
            let angle = rng.range(0.0, std::f32::consts::TAU);
            let distance = rng.range(0.0, radius * 0.4);
            canvas.ellipse(
                cx + angle.cos() * distance,
                cy + angle.sin() * distance,
                rng.range(4.0, 18.0),
                rng.range(4.0, 14.0),
                [170, 92, 52],
                0.35,
            );
        }
        return canvas;
    }

    let max_half = if tall { w * 0.3 } else { w * 0.33 };
    let object_height = (max_half * 2.0 * aspect(shape)).min(h * 0.78);
    let top = (h - object_height) / 2.0 - h * 0.03;
    let bottom = top + object_height;
    let cx = w / 2.0 + rng.range(-10.0, 10.0);
    let phase = view as f32 * 1.3 + rng.range(0.0, 1.0);
    let pattern_lines = match shape {
        Shape::Plate | Shape::Cup => 3.0,
        _ => 5.0,
    };
    // The shadow on the sweep.
    canvas.ellipse(
        cx + 30.0,
        bottom,
        max_half * profile(shape, 1.0) * 1.5,
        max_half * 0.12,
        [120, 120, 118],
        0.35,
    );
    let sancai_phase = rng.range(0.0, 6.0);
    for y in top as i32..bottom as i32 {
        let t = (y as f32 - top) / object_height;
        let half = max_half * profile(shape, t);
        let jag = 0.2 + 0.25 * ((t * 19.0).sin() + (t * 7.0).cos()) * 0.5;
        let decorated = matches!(glaze, Glaze::Celadon | Glaze::MoonWhite);
        let band = (0.28..0.78).contains(&t);
        let fence = (t - 0.28).abs() < 0.004 || (t - 0.78).abs() < 0.004;
        let petals = t > 0.82 && t < 0.95;
        let decorated = decorated && (band || fence || petals);
        let highlight_row = (t - 0.35).powi(2) / 0.05;
        for x in (cx - half) as i32..=(cx + half) as i32 {
            let u = ((x as f32 - cx) / half).clamp(-1.0, 1.0);
            if shape == Shape::Sherd && u > jag {
                continue; // the broken-off part
            }
            let facing = (1.0 - u * u).sqrt();
            let light = 0.5 + 0.42 * facing - 0.12 * u;
            let mut colour = if t > 0.96 && shape != Shape::Plate {
                foot_colour
            } else if glaze == Glaze::Sancai {
                let splash = ((u * 4.0 + sancai_phase).sin() + (t * 9.0 - u * 3.0).cos()) * 0.5;
                if splash > 0.35 {
                    [70, 124, 66]
                } else if splash < -0.3 {
                    [198, 146, 60]
                } else {
                    base
                }
            } else {
                // Glaze runs down and pools thicker above the foot.
                mix(base, pooled, (t - 0.55).max(0.0) * 0.9)
            };
            // Carved decoration: scrolls in a band, fenced by incised lines; petals below.
            let carved = decorated
                && (fence || {
                    let angle = u.asin() + phase;
                    if band {
                        let scroll = (angle * pattern_lines + t * 14.0).sin()
                            * (angle * 2.0 - t * 6.0).cos();
                        scroll.abs() < 0.1
                    } else {
                        let local = (angle * 4.0).rem_euclid(1.0);
                        petals && ((local - 0.5).abs() * 2.0 - (t - 0.82) / 0.13).abs() < 0.06
                    }
                });
            if carved {
                colour = mix(colour, pooled, 0.75);
            }
            let mut shaded = scale(colour, light + 0.25);
            // The studio light's reflection.
            let exponent = (u + 0.45).powi(2) / 0.006 + highlight_row;
            if glaze != Glaze::Unglazed && exponent < 6.0 {
                let highlight = (-exponent).exp();
                shaded = mix(shaded, [250, 250, 246], highlight * 0.8);
            }
            canvas.blend(x, y, shaded, 1.0);
        }
    }
    // The open mouth of a bowl, cup, plate or saggar: its inside seen from slightly above.
    if matches!(
        shape,
        Shape::Bowl | Shape::Cup | Shape::Plate | Shape::Sherd | Shape::Saggar
    ) {
        let rim = max_half * profile(shape, 0.0);
        let depth = rim * 0.16;
        let inside = if glaze == Glaze::Unglazed {
            scale(base, 0.7)
        } else {
            scale(mix(base, pooled, 0.3), 0.92)
        };
        let limit = if shape == Shape::Sherd {
            cx + rim * 0.2
        } else {
            f32::MAX
        };
        for y in (top - depth) as i32..=(top + depth) as i32 {
            let dy = (y as f32 - top) / depth;
            if dy.abs() > 1.0 {
                continue;
            }
            let half = rim * (1.0 - dy * dy).sqrt();
            for x in (cx - half) as i32..=((cx + half).min(limit)) as i32 {
                let u = (x as f32 - cx) / rim;
                canvas.blend(x, y, scale(inside, 0.9 + 0.2 * u), 1.0);
            }
        }
    }
    if shape == Shape::Ewer {
        // A spout on the shoulder and a strap handle.
        let shoulder = top + object_height * 0.3;
        let spout_colour = scale(base, 0.85);
        canvas.line(
            (cx + max_half * 0.8, shoulder),
            (cx + max_half * 1.35, shoulder - object_height * 0.28),
            max_half * 0.14,
            spout_colour,
            1.0,
        );
        for step in 0..60 {
            let a = step as f32 / 59.0 * std::f32::consts::PI;
            let x = cx - max_half * 0.9 - a.sin() * max_half * 0.35;
            let y = top + object_height * (0.08 + 0.3 * (1.0 - a.cos()) / 2.0);
            canvas.ellipse(x, y, max_half * 0.06, max_half * 0.06, spout_colour, 1.0);
        }
    }
    canvas
}

// ---------------------------------------------------------------------------
// Posters
// ---------------------------------------------------------------------------

const PALETTES: &[[Rgb; 4]] = &[
    // background, block, accent, text
    [
        [196, 30, 36],
        [244, 190, 40],
        [120, 16, 20],
        [255, 244, 220],
    ],
    [
        [60, 104, 84],
        [200, 216, 180],
        [28, 52, 44],
        [250, 248, 236],
    ],
    [
        [248, 236, 210],
        [234, 120, 60],
        [60, 110, 170],
        [40, 40, 48],
    ],
    [[36, 30, 40], [190, 40, 44], [236, 180, 60], [250, 240, 230]],
    [
        [70, 150, 200],
        [250, 210, 70],
        [240, 110, 120],
        [255, 255, 255],
    ],
    [[230, 220, 196], [180, 36, 40], [40, 90, 120], [30, 30, 30]],
    [
        [20, 40, 90],
        [40, 190, 220],
        [250, 140, 30],
        [240, 248, 255],
    ],
    [
        [240, 244, 248],
        [30, 120, 200],
        [120, 200, 90],
        [20, 40, 70],
    ],
];

fn draw_poster(palette: u32, rng: &mut Rng) -> Canvas {
    let [background, block, accent, text] = PALETTES[palette as usize % PALETTES.len()];
    let (width, height) = (900, 1260);
    let (w, h) = (width as f32, height as f32);
    let mut canvas = Canvas::new(width, height, background);
    canvas.shade_rows(|y| scale(background, 1.0 - 0.12 * y as f32 / h));
    // Big geometric shapes.
    canvas.ellipse(
        w * rng.range(0.55, 0.8),
        h * rng.range(0.2, 0.35),
        w * 0.32,
        w * 0.32,
        block,
        0.9,
    );
    canvas.triangle(
        [
            (0.0, h * 0.7),
            (w * rng.range(0.4, 0.7), h * 0.45),
            (w, h * 0.75),
        ],
        accent,
        0.85,
    );
    for stripe in 0..rng.int(2, 5) {
        let y = h * 0.08 + stripe as f32 * 26.0;
        canvas.rect(0, y as i32, (w * 0.4) as i32, (y + 12.0) as i32, block, 0.9);
    }
    for _ in 0..rng.int(4, 10) {
        let r = rng.range(8.0, 30.0);
        canvas.ellipse(rng.range(0.0, w), rng.range(0.0, h * 0.6), r, r, text, 0.5);
    }
    // The title on a colour bar, two lines of big characters.
    let bar_top = h * 0.52;
    canvas.rect(
        0,
        bar_top as i32,
        width as i32,
        (bar_top + h * 0.2) as i32,
        accent,
        0.92,
    );
    let size = w * 0.1;
    for line in 0..2 {
        let count = rng.int(4, 8);
        let start = w * 0.08;
        for index in 0..count {
            canvas.glyph(
                start + index as f32 * size * 1.12,
                bar_top + h * 0.025 + line as f32 * size * 1.25,
                size,
                text,
                rng,
            );
        }
    }
    // Date, place and organiser in small print.
    let small = w * 0.035;
    for line in 0..4 {
        let y = h * 0.78 + line as f32 * small * 1.7;
        let count = rng.int(8, 20);
        for index in 0..count {
            canvas.glyph(w * 0.08 + index as f32 * small * 1.1, y, small, text, rng);
        }
    }
    // A QR-code-like square in the corner.
    let (qx, qy, cell) = (w * 0.78, h * 0.85, 12.0);
    canvas.rect(
        qx as i32 - 8,
        qy as i32 - 8,
        (qx + cell * 12.0) as i32 + 8,
        (qy + cell * 12.0) as i32 + 8,
        [255, 255, 255],
        1.0,
    );
    for row in 0..12 {
        for column in 0..12 {
            let finder = (!(3..=8).contains(&row) && column < 3) || (row < 3 && column > 8);
            if finder || rng.chance(0.45) {
                let (x, y) = (qx + column as f32 * cell, qy + row as f32 * cell);
                canvas.rect(
                    x as i32,
                    y as i32,
                    (x + cell) as i32,
                    (y + cell) as i32,
                    [20, 20, 20],
                    1.0,
                );
            }
        }
    }
    canvas
}

// ---------------------------------------------------------------------------
// Photographs
// ---------------------------------------------------------------------------

fn sky_and_ground(canvas: &mut Canvas, horizon: f32, sky: (Rgb, Rgb), ground: (Rgb, Rgb)) {
    let h = canvas.h() as f32;
    canvas.shade_rows(|y| {
        let y = y as f32;
        if y < horizon {
            mix(sky.0, sky.1, y / horizon)
        } else {
            mix(ground.0, ground.1, (y - horizon) / (h - horizon))
        }
    });
}

const COSTUMES: &[Rgb] = &[
    [200, 40, 40],
    [240, 190, 50],
    [60, 120, 190],
    [40, 150, 90],
    [220, 110, 160],
    [250, 240, 230],
];

fn draw_scene(scene: Scene, rng: &mut Rng) -> Canvas {
    let (width, height) = (1280, 880);
    let (w, h) = (width as f32, height as f32);
    let mut canvas = Canvas::new(width, height, [0, 0, 0]);
    let skin: Rgb = [214, 170, 136];
    match scene {
        Scene::Kiln => {
            sky_and_ground(
                &mut canvas,
                h * 0.7,
                ([40, 30, 26], [70, 52, 40]),
                ([90, 70, 54], [60, 46, 36]),
            );
            // A 馒头窑 (mantou kiln): a brick dome with a glowing fire mouth.
            let (cx, base) = (w * 0.48, h * 0.78);
            canvas.ellipse(cx, base, w * 0.3, h * 0.5, [150, 84, 56], 1.0);
            canvas.rect(
                0,
                base as i32,
                width as i32,
                height as i32,
                [80, 62, 48],
                1.0,
            );
            for row in 0..14 {
                let y = base - row as f32 * h * 0.034;
                canvas.line(
                    (cx - w * 0.3, y),
                    (cx + w * 0.3, y),
                    2.0,
                    [110, 60, 40],
                    0.6,
                );
            }
            canvas.ellipse(cx, base - h * 0.1, w * 0.07, h * 0.12, [255, 150, 40], 1.0);
            canvas.glow(cx, base - h * 0.1, w * 0.22, [255, 170, 60], 0.7);
            canvas.figure(w * 0.78, h * 0.92, h * 0.55, [60, 64, 80], skin);
        }
        Scene::Throwing => {
            sky_and_ground(
                &mut canvas,
                h * 0.55,
                ([120, 104, 90], [150, 132, 112]),
                ([110, 90, 72], [84, 68, 54]),
            );
            // Shelves of drying pots.
            for shelf in 0..3 {
                let y = h * 0.14 + shelf as f32 * h * 0.13;
                canvas.rect(
                    0,
                    y as i32,
                    width as i32,
                    (y + 10.0) as i32,
                    [90, 70, 52],
                    1.0,
                );
                let mut x = 30.0 + rng.range(0.0, 40.0);
                while x < w - 60.0 {
                    let size = rng.range(24.0, 44.0);
                    canvas.ellipse(x, y - size * 0.9, size * 0.7, size, [186, 160, 130], 1.0);
                    x += size * 2.0;
                }
            }
            // The wheel, the clay and the potter's hands.
            let (cx, cy) = (w * 0.5, h * 0.72);
            canvas.ellipse(cx, cy, w * 0.22, h * 0.06, [70, 60, 54], 1.0);
            canvas.ellipse(cx, cy - 6.0, w * 0.2, h * 0.05, [120, 100, 84], 1.0);
            canvas.rect(
                (cx - w * 0.06) as i32,
                (cy - h * 0.26) as i32,
                (cx + w * 0.06) as i32,
                (cy - 8.0) as i32,
                [170, 130, 96],
                1.0,
            );
            canvas.ellipse(cx, cy - h * 0.26, w * 0.06, h * 0.02, [140, 104, 76], 1.0);
            canvas.ellipse(cx - w * 0.08, cy - h * 0.15, w * 0.05, h * 0.04, skin, 1.0);
            canvas.ellipse(cx + w * 0.08, cy - h * 0.13, w * 0.05, h * 0.04, skin, 1.0);
        }
        Scene::Shehuo => {
            sky_and_ground(
                &mut canvas,
                h * 0.62,
                ([150, 180, 214], [214, 222, 230]),
                ([150, 140, 128], [120, 110, 100]),
            );
            // Houses behind, then a crowd, then performers on poles (芯子) in bright costume.
            let mut x = 0.0;
            while x < w {
                let width = rng.range(120.0, 220.0);
                canvas.rect(
                    x as i32,
                    (h * 0.42) as i32,
                    (x + width - 8.0) as i32,
                    (h * 0.62) as i32,
                    [170, 160, 150],
                    1.0,
                );
                canvas.triangle(
                    [
                        (x - 10.0, h * 0.42),
                        (x + width, h * 0.42),
                        (x + width / 2.0, h * 0.34),
                    ],
                    [90, 90, 96],
                    1.0,
                );
                x += width;
            }
            for pole in 0..4 {
                let px = w * (0.18 + pole as f32 * 0.22);
                canvas.rect(
                    (px - 4.0) as i32,
                    (h * 0.3) as i32,
                    (px + 4.0) as i32,
                    (h * 0.75) as i32,
                    [120, 80, 50],
                    1.0,
                );
                let costume = COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize];
                canvas.figure(px, h * 0.32, h * 0.2, costume, skin);
                canvas.rect(
                    (px + 10.0) as i32,
                    (h * 0.08) as i32,
                    (px + 60.0) as i32,
                    (h * 0.14) as i32,
                    [214, 30, 30],
                    1.0,
                );
            }
            // The crowd, drawn from the back to the front.
            let mut crowd: Vec<(f32, f32, f32, Rgb)> = (0..60)
                .map(|_| {
                    let x = rng.range(0.0, w);
                    let depth = rng.range(0.0, 1.0);
                    let costume = scale(COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize], 0.7);
                    (x, h + depth * 60.0, h * (0.3 + 0.12 * depth), costume)
                })
                .collect();
            crowd.sort_by(|a, b| a.1.total_cmp(&b.1));
            for (x, y, height, costume) in crowd {
                canvas.figure(x, y, height, costume, skin);
            }
        }
        Scene::Opera => {
            sky_and_ground(
                &mut canvas,
                h * 0.7,
                ([16, 12, 14], [36, 24, 24]),
                ([110, 72, 44], [70, 46, 30]),
            );
            // Red curtain, side wings, spotlights and two costumed players.
            canvas.rect(0, 0, width as i32, (h * 0.12) as i32, [150, 20, 26], 1.0);
            for fold in 0..24 {
                let x = fold as f32 * w / 24.0;
                canvas.line((x, 0.0), (x, h * 0.12), 6.0, [110, 14, 20], 1.0);
            }
            canvas.rect(0, 0, (w * 0.08) as i32, height as i32, [130, 18, 24], 1.0);
            canvas.rect(
                (w * 0.92) as i32,
                0,
                width as i32,
                height as i32,
                [130, 18, 24],
                1.0,
            );
            for (spot, colour) in [(0.38, [255, 240, 200]), (0.62, [255, 230, 190])] {
                canvas.glow(w * spot, h * 0.62, h * 0.42, colour, 0.35);
            }
            for (index, x) in [0.38, 0.62].into_iter().enumerate() {
                let robe = COSTUMES[(index * 2 + rng.int(0, 2) as usize) % COSTUMES.len()];
                canvas.figure(w * x, h * 0.86, h * 0.58, robe, [240, 210, 200]);
                // Headdress with pheasant feathers.
                let head = h * 0.86 - h * 0.58 + h * 0.1;
                canvas.line(
                    (w * x, head),
                    (w * x - 80.0, head - 140.0),
                    5.0,
                    [230, 200, 90],
                    1.0,
                );
                canvas.line(
                    (w * x, head),
                    (w * x + 80.0, head - 150.0),
                    5.0,
                    [230, 200, 90],
                    1.0,
                );
            }
        }
        Scene::Papercut => {
            sky_and_ground(
                &mut canvas,
                h * 0.5,
                ([226, 218, 204], [220, 210, 196]),
                ([220, 210, 196], [204, 194, 180]),
            );
            // A round paper-cut (团花): one wedge drawn, mirrored eight times.
            let (cx, cy, radius) = (w / 2.0, h / 2.0, h * 0.42);
            canvas.ellipse(cx + 10.0, cy + 12.0, radius, radius, [150, 140, 130], 0.4);
            let holes: Vec<(f32, f32, f32)> = (0..10)
                .map(|_| {
                    (
                        rng.range(0.15, 0.92),
                        rng.range(0.05, 0.7),
                        rng.range(0.03, 0.09),
                    )
                })
                .collect();
            let wedge = std::f32::consts::PI / 8.0;
            for y in (cy - radius) as i32..=(cy + radius) as i32 {
                for x in (cx - radius) as i32..=(cx + radius) as i32 {
                    let (dx, dy) = ((x as f32 - cx) / radius, (y as f32 - cy) / radius);
                    let r = (dx * dx + dy * dy).sqrt();
                    if r > 1.0 {
                        continue;
                    }
                    // Fold the angle into one wedge, reflecting alternate ones.
                    let angle = dy.atan2(dx).rem_euclid(2.0 * wedge);
                    let a = if angle > wedge {
                        2.0 * wedge - angle
                    } else {
                        angle
                    } / wedge;
                    let cut = holes.iter().any(|&(hr, ha, size)| {
                        let (px, py) = (r - hr, (a - ha) * r * 0.4);
                        px * px + py * py < size * size
                    }) || (r > 0.9 && (r * 60.0).sin() > 0.6)
                        || (r - 0.5).abs() < 0.012;
                    if !cut {
                        canvas.blend(x, y, [196, 24, 32], 1.0);
                    }
                }
            }
        }
        Scene::Street => {
            sky_and_ground(
                &mut canvas,
                h * 0.5,
                ([196, 200, 204], [226, 226, 222]),
                ([170, 160, 146], [130, 120, 108]),
            );
            // Two rows of shop fronts receding to a vanishing point.
            let vanishing = (w * 0.5, h * 0.5);
            for side in [-1.0f32, 1.0] {
                for shop in 0..6 {
                    let near = 1.0 - shop as f32 / 7.0;
                    let x = vanishing.0 + side * w * 0.5 * near;
                    let next = vanishing.0 + side * w * 0.5 * (near - 1.0 / 7.0);
                    let height = h * 0.45 * near;
                    let (left, right) = if side < 0.0 { (x, next) } else { (next, x) };
                    canvas.rect(
                        left as i32,
                        (vanishing.1 - height * 0.6) as i32,
                        right as i32,
                        (vanishing.1 + height * 0.55) as i32,
                        scale([150, 140, 128], 0.7 + 0.3 * near),
                        1.0,
                    );
                    canvas.rect(
                        (left + 6.0) as i32,
                        (vanishing.1 - height * 0.1) as i32,
                        (right - 6.0) as i32,
                        (vanishing.1 + height * 0.5) as i32,
                        [60, 52, 46],
                        1.0,
                    );
                }
            }
            for _ in 0..9 {
                let depth = rng.range(0.3, 1.0);
                canvas.figure(
                    w * 0.5 + rng.range(-0.25, 0.25) * w * depth,
                    h * 0.5 + h * 0.45 * depth,
                    h * 0.5 * depth,
                    [70, 70, 80],
                    skin,
                );
            }
        }
        Scene::River => {
            sky_and_ground(
                &mut canvas,
                h * 0.45,
                ([180, 196, 210], [220, 224, 224]),
                ([120, 130, 100], [100, 110, 84]),
            );
            let phase = rng.range(0.0, 6.0);
            for x in 0..width as i32 {
                let fx = x as f32 / w;
                let ridge = h * (0.3 + 0.08 * (fx * 5.0 + phase).sin() + 0.04 * (fx * 13.0).cos());
                for y in ridge as i32..(h * 0.45) as i32 + 2 {
                    canvas.blend(x, y, [110, 118, 100], 1.0);
                }
                let bank = h * (0.62 + 0.05 * (fx * 3.0 + phase).sin());
                for y in bank as i32..(bank + h * 0.12) as i32 {
                    canvas.blend(x, y, [170, 186, 190], 1.0);
                }
            }
            for _ in 0..12 {
                let x = rng.range(0.0, w);
                let y = h * rng.range(0.5, 0.6);
                canvas.rect(
                    x as i32 - 3,
                    y as i32 - 80,
                    x as i32 + 3,
                    y as i32,
                    [70, 60, 50],
                    1.0,
                );
                canvas.ellipse(x, y - 100.0, 40.0, 50.0, [70, 96, 64], 1.0);
            }
        }
        Scene::Group | Scene::Excavation => {
            if scene == Scene::Group {
                sky_and_ground(
                    &mut canvas,
                    h * 0.6,
                    ([170, 168, 160], [190, 186, 176]),
                    ([150, 144, 132], [120, 114, 104]),
                );
                // A building with a banner, then three rows of people.
                canvas.rect(
                    (w * 0.1) as i32,
                    (h * 0.12) as i32,
                    (w * 0.9) as i32,
                    (h * 0.6) as i32,
                    [140, 136, 130],
                    1.0,
                );
                canvas.rect(
                    (w * 0.25) as i32,
                    (h * 0.16) as i32,
                    (w * 0.75) as i32,
                    (h * 0.24) as i32,
                    [90, 40, 40],
                    1.0,
                );
                for index in 0..8 {
                    canvas.glyph(
                        w * 0.27 + index as f32 * 75.0,
                        h * 0.17,
                        60.0,
                        [240, 230, 220],
                        rng,
                    );
                }
                // Back row first, so the front rows stand in front of it.
                for row in (0..3).rev() {
                    let count = 9 + row;
                    let y = h * (0.95 - row as f32 * 0.1);
                    for person in 0..count {
                        let x = w * 0.12 + (person as f32 + 0.5) * w * 0.76 / count as f32;
                        let clothes = if rng.chance(0.5) {
                            [60, 70, 90]
                        } else {
                            [110, 110, 104]
                        };
                        canvas.figure(x, y, h * 0.34, clothes, skin);
                    }
                }
            } else {
                sky_and_ground(
                    &mut canvas,
                    h * 0.35,
                    ([200, 204, 206], [226, 226, 222]),
                    ([176, 150, 118], [150, 124, 96]),
                );
                // Trenches with exposed kiln walls, people with shovels.
                for trench in 0..3 {
                    let x = w * (0.1 + trench as f32 * 0.3);
                    let y = h * (0.5 + trench as f32 * 0.1);
                    canvas.rect(
                        x as i32,
                        y as i32,
                        (x + w * 0.22) as i32,
                        (y + h * 0.14) as i32,
                        [110, 86, 66],
                        1.0,
                    );
                    canvas.ellipse(
                        x + w * 0.11,
                        y + h * 0.07,
                        w * 0.06,
                        h * 0.05,
                        [150, 90, 60],
                        1.0,
                    );
                }
                for _ in 0..6 {
                    let x = rng.range(0.05, 0.95) * w;
                    let y = h * rng.range(0.5, 0.95);
                    canvas.figure(x, y, h * 0.3, [80, 80, 76], skin);
                    canvas.line(
                        (x + 20.0, y - h * 0.2),
                        (x + 40.0, y),
                        4.0,
                        [60, 50, 40],
                        1.0,
                    );
                }
            }
        }
        Scene::Hall => {
            sky_and_ground(
                &mut canvas,
                h * 0.62,
                ([30, 36, 60], [50, 60, 90]),
                ([120, 124, 130], [80, 84, 90]),
            );
            for _ in 0..200 {
                let (x, y) = (rng.range(0.0, w), rng.range(0.0, h * 0.55));
                canvas.rect(
                    x as i32,
                    y as i32,
                    x as i32 + 2,
                    y as i32 + 2,
                    [240, 240, 255],
                    1.0,
                );
            }
            // A big planet model with a ring, display cases and visitors.
            let (px, py, pr) = (w * 0.62, h * 0.36, h * 0.24);
            canvas.ellipse(px, py, pr * 1.8, pr * 0.3, [200, 180, 140], 0.8);
            canvas.ellipse(px, py, pr, pr, [210, 150, 90], 1.0);
            canvas.glow(px - pr * 0.3, py - pr * 0.3, pr * 0.8, [255, 230, 190], 0.5);
            for case in 0..4 {
                let x = w * (0.05 + case as f32 * 0.24);
                canvas.rect(
                    x as i32,
                    (h * 0.7) as i32,
                    (x + w * 0.16) as i32,
                    (h * 0.85) as i32,
                    [200, 210, 220],
                    0.8,
                );
                canvas.rect(
                    x as i32,
                    (h * 0.85) as i32,
                    (x + w * 0.16) as i32,
                    (h * 0.98) as i32,
                    [60, 64, 70],
                    1.0,
                );
            }
            for _ in 0..5 {
                let x = rng.range(0.05, 0.95) * w;
                let clothes = COSTUMES[rng.int(0, COSTUMES.len() as i32) as usize];
                canvas.figure(
                    x,
                    h * rng.range(0.9, 1.0),
                    h * rng.range(0.25, 0.4),
                    clothes,
                    skin,
                );
            }
        }
        Scene::Mine => {
            canvas.shade(|x, y| {
                let (fx, fy) = (x as f32 / w - 0.5, y as f32 / h - 0.55);
                let d = (fx * fx + fy * fy).sqrt();
                scale([70, 64, 58], 1.1 - d * 1.4)
            });
            // A tunnel arch with timber supports, rails and lamps.
            for support in 0..5 {
                let depth = 1.0 - support as f32 * 0.17;
                let (half, top) = (w * 0.4 * depth, h * (0.55 - 0.45 * depth));
                let bottom = h * (0.55 + 0.42 * depth);
                let timber = scale([130, 96, 60], 0.5 + 0.5 * depth);
                let thickness = 26.0 * depth;
                canvas.line(
                    (w / 2.0 - half, top),
                    (w / 2.0 - half, bottom),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.line(
                    (w / 2.0 + half, top),
                    (w / 2.0 + half, bottom),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.line(
                    (w / 2.0 - half, top),
                    (w / 2.0 + half, top),
                    thickness,
                    timber,
                    1.0,
                );
                canvas.glow(
                    w / 2.0,
                    top + 30.0 * depth,
                    60.0 * depth,
                    [255, 230, 150],
                    0.8,
                );
            }
            for rail in [-1.0f32, 1.0] {
                canvas.line(
                    (w / 2.0 + rail * w * 0.25, h),
                    (w / 2.0 + rail * w * 0.03, h * 0.6),
                    8.0,
                    [150, 150, 150],
                    1.0,
                );
            }
            canvas.figure(w * 0.3, h * 0.95, h * 0.5, [40, 50, 70], skin);
            canvas.ellipse(w * 0.3, h * 0.52, 40.0, 18.0, [240, 200, 40], 1.0);
            canvas.glow(w * 0.3 + 30.0, h * 0.52, 120.0, [255, 240, 190], 0.6);
        }
    }
    canvas
}

/// An old print: sepia, vignette, grain, a scratch or two and a white border.
fn age_photograph(canvas: &Canvas, rng: &mut Rng) -> Canvas {
    let (w, h) = (canvas.w(), canvas.h());
    let border = 40;
    let mut out = Canvas::new(canvas.width, canvas.height, [236, 230, 214]);
    let fade = rng.range(0.0, 0.15);
    let mut grain = Rng::new(rng.next());
    let scratches: Vec<i32> = (0..rng.int(1, 4))
        .map(|_| rng.int(border, w - border))
        .collect();
    for y in border..h - border {
        for x in border..w - border {
            let [r, g, b] = canvas.get(x, y);
            let luminance = 0.299 * r as f32 + 0.587 * g as f32 + 0.114 * b as f32;
            let (fx, fy) = (x as f32 / w as f32 - 0.5, y as f32 / h as f32 - 0.5);
            let vignette = 1.0 - (fx * fx + fy * fy) * 0.9;
            let noise = (grain.unit() - 0.5) * 26.0;
            let mut value = ((luminance * vignette + noise) / 255.0).clamp(0.0, 1.0);
            value = value * (1.0 - fade) + fade * 0.8;
            if scratches.iter().any(|&s| (x - s).abs() < 1) {
                value = (value + 0.25).min(1.0);
            }
            let sepia = [
                (value * 240.0 + 12.0).min(255.0) as u8,
                (value * 212.0 + 10.0).min(255.0) as u8,
                (value * 170.0 + 8.0).min(255.0) as u8,
            ];
            out.blend(x, y, sepia, 1.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::read_sheet;
    use std::sync::OnceLock;

    /// One archive shared by the tests that only read it.
    fn shared() -> &'static (tempfile::TempDir, SampleArchive) {
        static ARCHIVE: OnceLock<(tempfile::TempDir, SampleArchive)> = OnceLock::new();
        ARCHIVE.get_or_init(|| {
            let directory = tempfile::tempdir().expect("temporary directory");
            let started = std::time::Instant::now();
            let archive = write_sample_archive(directory.path()).expect("sample archive");
            eprintln!(
                "sample archive written in {:?}: {archive:?}",
                started.elapsed()
            );
            (directory, archive)
        })
    }

    fn sheets(scans: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new(scans)
            .into_iter()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_name() == "metadata.csv")
            .map(|entry| entry.into_path())
            .collect();
        found.sort();
        found
    }

    fn all_files(root: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| entry.path().strip_prefix(root).unwrap().to_path_buf())
            .collect();
        found.sort();
        found
    }

    #[test]
    fn demo_writes_a_tree_of_sheets_and_images() {
        let (directory, archive) = shared();
        assert_eq!(archive.scans_dir, directory.path().join("scans"));
        assert!(archive.institutions_toml.is_file());
        assert!(
            (40..=50).contains(&archive.items),
            "{} items",
            archive.items
        );
        let images = all_files(&archive.scans_dir)
            .into_iter()
            .filter(|path| {
                matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("png" | "jpg")
                )
            })
            .count();
        assert_eq!(images, archive.files);
        let ocr = archive
            .scans_dir
            .join("少儿图书馆/地方志/同官县志_民国本/0001.txt");
        assert!(fs::read_to_string(ocr).unwrap().contains("耀州窑"));
        // Images decode and are of the promised size.
        for (path, longest) in [
            ("少儿图书馆/地方志/同官縣誌_乾隆本/0001.png", 1420),
            (
                "耀州窑陶瓷陈列馆/YZ-0001_青釉刻花牡丹纹梅瓶/03_底足.jpg",
                1250,
            ),
            ("黄堡镇综合文化站/老照片/黄堡老街.jpg", 1280),
        ] {
            let picture = image::open(archive.scans_dir.join(path)).expect(path);
            assert_eq!(picture.width().max(picture.height()), longest, "{path}");
        }
    }

    #[test]
    fn demo_sheets_parse_cleanly_and_name_existing_files() {
        let (_directory, archive) = shared();
        let paths = sheets(&archive.scans_dir);
        assert_eq!(paths.len(), 6);
        let mut rows = 0;
        use std::collections::BTreeSet;
        let mut access = BTreeSet::new();
        for path in &paths {
            let sheet = read_sheet(path).expect("sheet reads");
            assert_eq!(sheet.problems, vec![], "{}", path.display());
            for row in &sheet.rows {
                let file = row.file.as_deref().expect("file column");
                let target = path.parent().unwrap().join(file);
                assert!(target.exists(), "{} names missing {file}", path.display());
                assert!(
                    row.metadata
                        .first(wenyuan_index::model::DcElement::Title)
                        .is_some()
                );
                assert!(row.institution.is_some() && row.collection.is_some());
                access.insert(row.access.expect("access column").as_str());
            }
            rows += sheet.rows.len();
        }
        assert_eq!(rows, archive.items);
        assert_eq!(
            access.into_iter().collect::<Vec<_>>(),
            vec!["metadata_only", "public", "restricted"]
        );
        // The station's sheet is GBK, as Excel on Chinese Windows saves it, and still reads.
        let gbk = archive.scans_dir.join("黄堡镇综合文化站/metadata.csv");
        assert!(std::str::from_utf8(&fs::read(&gbk).unwrap()).is_err());
        let sheet = read_sheet(&gbk).unwrap();
        assert_eq!(
            sheet.rows[0]
                .metadata
                .first(wenyuan_index::model::DcElement::Title),
            Some("黄堡老街")
        );
    }

    #[test]
    fn demo_institutions_cover_every_sheet() {
        let (_directory, archive) = shared();
        let toml = fs::read_to_string(&archive.institutions_toml).unwrap();
        for path in sheets(&archive.scans_dir) {
            for row in read_sheet(&path).unwrap().rows {
                let institution = row.institution.unwrap();
                let collection = row.collection.unwrap();
                let start = toml
                    .find(&format!("id = \"{institution}\""))
                    .unwrap_or_else(|| panic!("{institution} missing from the TOML"));
                let end = toml[start + 1..]
                    .find("[[institution]]")
                    .map_or(toml.len(), |offset| start + 1 + offset);
                assert!(
                    toml[start..end].contains(&format!("id = \"{collection}\"")),
                    "collection {collection} missing under {institution}"
                );
            }
        }
    }

    #[test]
    fn demo_is_deterministic() {
        let (_directory, first) = shared();
        let other = tempfile::tempdir().expect("temporary directory");
        let second = write_sample_archive(other.path()).expect("sample archive");
        let first_root = first.scans_dir.parent().unwrap();
        let files = all_files(first_root);
        assert_eq!(files, all_files(other.path()));
        for file in &files {
            let a = blake3::hash(&fs::read(first_root.join(file)).unwrap());
            let b = blake3::hash(&fs::read(other.path().join(file)).unwrap());
            assert_eq!(a, b, "{} differs between runs", file.display());
        }
        assert_eq!((first.items, first.files), (second.items, second.files));
    }
}
