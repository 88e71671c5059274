//! The public site's two languages: simplified Chinese (the default) and
//! English. Owns the [`Lang`] type and every label the pages show, as one
//! [`Labels`] table per language so that a missing translation is a compile
//! error, plus the labels of the record model's enums (Dublin Core
//! elements, venue kinds, access levels, facets).

use wenyuan_index::model::{AccessLevel, DcElement, InstitutionKind};
use wenyuan_index::search::Relaxation;

use crate::state::Venues;

/// A language of the public pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses the `lang` cookie or query value (`zh`, `zh-Hans`, `en` …).
    pub fn parse(value: &str) -> Option<Lang> {
        let lower = value.trim().to_ascii_lowercase();
        if lower == "en" || lower.starts_with("en-") {
            Some(Lang::En)
        } else if lower == "zh" || lower.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    /// A name in this language: the English one when asked for and given,
    /// else the Chinese one.
    pub fn pick(self, zh: &str, en: Option<&str>) -> String {
        match (self, en.map(str::trim)) {
            (Lang::En, Some(en)) if !en.is_empty() => en.to_string(),
            _ => zh.to_string(),
        }
    }

    /// The value stored in the `lang` cookie and used in `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn html_tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-Hans",
            Lang::En => "en",
        }
    }

    /// The Open Graph locale.
    pub fn og_locale(self) -> &'static str {
        match self {
            Lang::Zh => "zh_CN",
            Lang::En => "en_US",
        }
    }

    /// The other language (the one the switch offers).
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The label table of this language.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// "12 items" / "12 件".
    pub fn item_count(self, count: u64) -> String {
        match self {
            Lang::Zh => format!("{count} 件"),
            Lang::En if count == 1 => "1 item".to_string(),
            Lang::En => format!("{count} items"),
        }
    }

    /// "共 12 条结果" / "12 results".
    pub fn result_count(self, count: usize) -> String {
        match self {
            Lang::Zh => format!("共 {count} 条结果"),
            Lang::En if count == 1 => "1 result".to_string(),
            Lang::En => format!("{count} results"),
        }
    }

    /// What a search gave up to find something (issue #14): "没有同时含有全部
    /// 词语的记录，以下结果不含：海报。" / "No record holds every word; these
    /// results leave out: 海报."
    pub fn relaxation_note(self, relaxation: &Relaxation) -> String {
        let dropped = match self {
            Lang::Zh => relaxation.dropped.join("、"),
            Lang::En => relaxation.dropped.join(", "),
        };
        match (self, relaxation.dropped.is_empty(), relaxation.any_word) {
            (Lang::Zh, false, false) => {
                format!("没有同时含有全部词语的记录，以下结果不含：{dropped}。")
            }
            (Lang::Zh, true, _) => {
                "没有同时含有全部词语的记录，以下结果含有其中的部分词语，含得越多越靠前。"
                    .to_string()
            }
            (Lang::Zh, false, true) => format!(
                "没有同时含有全部词语的记录，以下结果不含：{dropped}，并含有其余词语中的部分，含得越多越靠前。"
            ),
            (Lang::En, false, false) => {
                format!("No record holds every word; these results leave out: {dropped}.")
            }
            (Lang::En, true, _) => "No record holds every word; these results hold some of them, \
                                    those holding more first."
                .to_string(),
            (Lang::En, false, true) => format!(
                "No record holds every word; these results leave out {dropped} and hold some \
                 of the other words, those holding more first."
            ),
        }
    }

    /// "第 2 / 5 页" / "Page 2 of 5".
    pub fn page_of(self, page: usize, pages: usize) -> String {
        match self {
            Lang::Zh => format!("第 {page} / {pages} 页"),
            Lang::En => format!("Page {page} of {pages}"),
        }
    }

    /// "第 3 页" / "Page 3", for the viewer's page strip.
    pub fn page_number(self, page: usize) -> String {
        match self {
            Lang::Zh => format!("第 {page} 页"),
            Lang::En => format!("Page {page}"),
        }
    }

    /// The label of a Dublin Core element.
    pub fn dc_label(self, element: DcElement) -> &'static str {
        match self {
            Lang::Zh => element.label_zh(),
            Lang::En => element.label_en(),
        }
    }

    /// The label of a kind of venue.
    pub fn kind_label(self, kind: InstitutionKind) -> &'static str {
        match self {
            Lang::Zh => kind.label_zh(),
            Lang::En => match kind {
                InstitutionKind::Library => "Library",
                InstitutionKind::Museum => "Museum",
                InstitutionKind::CultureHall => "Culture hall",
                InstitutionKind::ScienceMuseum => "Science museum",
                InstitutionKind::SportsVenue => "Sports venue",
                InstitutionKind::CulturalStation => "Cultural station",
                InstitutionKind::CommunityCentre => "Community cultural centre",
                InstitutionKind::Other => "Other",
            },
        }
    }

    /// The label of an access level.
    pub fn access_label(self, access: AccessLevel) -> &'static str {
        match (self, access) {
            (Lang::Zh, AccessLevel::Public) => "公开",
            (Lang::Zh, AccessLevel::MetadataOnly) => "仅公开著录信息",
            (Lang::Zh, AccessLevel::Restricted) => "受限",
            (Lang::En, AccessLevel::Public) => "Public",
            (Lang::En, AccessLevel::MetadataOnly) => "Description only",
            (Lang::En, AccessLevel::Restricted) => "Restricted",
        }
    }

    /// The label of a facet value, for the pages and the API alike: venue
    /// and collection names instead of ids, labels of venue kinds and
    /// access levels; other values as they are.
    pub fn facet_value_label(self, venues: &Venues, facet: &str, value: &str) -> String {
        let known = match facet {
            "institution" => venues.institution_name(value, self),
            "collection" => venues.collection_name(value, self),
            "institution_kind" => value
                .parse::<InstitutionKind>()
                .ok()
                .map(|kind| self.kind_label(kind).to_string()),
            "access" => value
                .parse()
                .ok()
                .map(|access| self.access_label(access).to_string()),
            _ => None,
        };
        known.unwrap_or_else(|| value.to_string())
    }

    /// The heading of a search facet (names of `FACET_NAMES`).
    pub fn facet_label(self, facet: &str) -> &'static str {
        match (self, facet) {
            (Lang::Zh, "institution") => "场馆",
            (Lang::Zh, "institution_kind") => "场馆类型",
            (Lang::Zh, "collection") => "专题馆藏",
            (Lang::Zh, "type") => "资源类型",
            (Lang::Zh, "year") => "年代",
            (Lang::Zh, "subject") => "主题",
            (Lang::Zh, "place") => "地点",
            (Lang::Zh, "language") => "语言",
            (Lang::Zh, "access") => "开放程度",
            (Lang::En, "institution") => "Venue",
            (Lang::En, "institution_kind") => "Kind of venue",
            (Lang::En, "collection") => "Collection",
            (Lang::En, "type") => "Type",
            (Lang::En, "year") => "Period",
            (Lang::En, "subject") => "Subject",
            (Lang::En, "place") => "Place",
            (Lang::En, "language") => "Language",
            (Lang::En, "access") => "Access",
            (Lang::Zh, _) => "筛选",
            (Lang::En, _) => "Filter",
        }
    }
}

/// Every fixed text of the public pages, in one language.
#[derive(Debug)]
pub struct Labels {
    /// Skip link to the main content.
    pub skip_to_content: &'static str,
    /// Main navigation's accessible name.
    pub main_navigation: &'static str,
    /// Navigation: home.
    pub nav_home: &'static str,
    /// Navigation: search.
    pub nav_search: &'static str,
    /// Navigation: venues.
    pub nav_institutions: &'static str,
    /// The language switch's text (names the other language, in it).
    pub switch_language: &'static str,
    /// Turns the elder-friendly view on.
    pub elder_mode_on: &'static str,
    /// Turns the elder-friendly view off.
    pub elder_mode_off: &'static str,
    /// Label of the search box.
    pub search_label: &'static str,
    /// Placeholder of the search box.
    pub search_placeholder: &'static str,
    /// Search button.
    pub search_button: &'static str,
    /// Footer: operator.
    pub footer_operator: &'static str,
    /// Footer: contact.
    pub footer_contact: &'static str,
    /// Footer: ICP filing number.
    pub footer_icp: &'static str,
    /// Footer: public-security filing number.
    pub footer_police: &'static str,
    /// Home: introduction under the search box.
    pub home_intro: &'static str,
    /// Home: venues heading.
    pub home_venues: &'static str,
    /// Home: recent additions heading.
    pub home_recent: &'static str,
    /// Home: link to every venue.
    pub all_institutions: &'static str,
    /// Search page title.
    pub search_title: &'static str,
    /// Facets heading.
    pub refine_heading: &'static str,
    /// Applied filters heading.
    pub applied_filters: &'static str,
    /// Accessible prefix of a remove-filter link.
    pub remove_filter: &'static str,
    /// Removes every filter.
    pub clear_filters: &'static str,
    /// Sort control label.
    pub sort_label: &'static str,
    /// Sort control button.
    pub sort_apply: &'static str,
    /// Sort: relevance.
    pub sort_relevance: &'static str,
    /// Sort: oldest first.
    pub sort_date_asc: &'static str,
    /// Sort: newest first.
    pub sort_date_desc: &'static str,
    /// Sort: by title.
    pub sort_title: &'static str,
    /// Sort: recently added.
    pub sort_recent: &'static str,
    /// Pagination's accessible name.
    pub pagination: &'static str,
    /// Previous page.
    pub previous_page: &'static str,
    /// Next page.
    pub next_page: &'static str,
    /// Zero results heading.
    pub no_results: &'static str,
    /// Zero results: introduces suggestions.
    pub no_results_try: &'static str,
    /// Zero results: suggestion to drop the filters.
    pub no_results_remove_filters: &'static str,
    /// Zero results: general advice.
    pub no_results_advice: &'static str,
    /// The query could not be parsed and its words were searched.
    pub query_fallback_note: &'static str,
    /// Search results list's accessible name.
    pub results_list: &'static str,
    /// Item: description heading.
    pub metadata_heading: &'static str,
    /// Item: other fields.
    pub field_heading: &'static str,
    /// Item: value column.
    pub value_heading: &'static str,
    /// Item: holding venue.
    pub held_by: &'static str,
    /// Item: collection.
    pub collection: &'static str,
    /// Item: page strip heading.
    pub pages_heading: &'static str,
    /// Item: viewer's accessible name.
    pub viewer_label: &'static str,
    /// Viewer: zoom in.
    pub zoom_in: &'static str,
    /// Viewer: zoom out.
    pub zoom_out: &'static str,
    /// Viewer: reset.
    pub zoom_reset: &'static str,
    /// Viewer: how to use it.
    pub viewer_hint: &'static str,
    /// Item: nothing to show.
    pub no_image: &'static str,
    /// Item: downloads heading.
    pub downloads_heading: &'static str,
    /// Item: download the web image.
    pub download_web_image: &'static str,
    /// Item: download the original.
    pub download_original: &'static str,
    /// Item: rights heading.
    pub rights_heading: &'static str,
    /// Item: access.
    pub access_heading: &'static str,
    /// Item: metadata-only explanation.
    pub metadata_only_note: &'static str,
    /// Item: restricted explanation.
    pub restricted_note: &'static str,
    /// Item: default rights statement when the record has none.
    pub rights_default: &'static str,
    /// Item: permalink.
    pub permalink: &'static str,
    /// Item: citation.
    pub cite_as: &'static str,
    /// Item: IIIF manifest link.
    pub iiif_manifest: &'static str,
    /// Item: date catalogued.
    pub catalogued: &'static str,
    /// Venues page title.
    pub institutions_title: &'static str,
    /// Venue: kind.
    pub kind: &'static str,
    /// Venue: opening hours.
    pub opening_hours: &'static str,
    /// Venue: services.
    pub services: &'static str,
    /// Venue: accessibility.
    pub accessibility: &'static str,
    /// Venue: address.
    pub address: &'static str,
    /// Venue: contact.
    pub contact: &'static str,
    /// Venue: web site.
    pub website: &'static str,
    /// Venue: holdings.
    pub holdings: &'static str,
    /// Venue: search its holdings.
    pub search_holdings: &'static str,
    /// Venue: not stated.
    pub not_stated: &'static str,
    /// Error: not found title.
    pub not_found_title: &'static str,
    /// Heading of the page of a withdrawn item.
    pub gone_title: &'static str,
    /// What the page of a withdrawn item says before the reason.
    pub gone_text: &'static str,
    /// Error: not found text.
    pub not_found_text: &'static str,
    /// Error: bad request title.
    pub bad_request_title: &'static str,
    /// Error: bad request text.
    pub bad_request_text: &'static str,
    /// Error: server error title.
    pub server_error_title: &'static str,
    /// Error: server error text.
    pub server_error_text: &'static str,
    /// Error: back to the home page.
    pub back_home: &'static str,
    /// Navigation: events.
    pub nav_events: &'static str,
    /// The events page's heading.
    pub events_title: &'static str,
    /// Heading: upcoming events.
    pub events_upcoming: &'static str,
    /// Heading: past events.
    pub events_past: &'static str,
    /// No event matches.
    pub events_none: &'static str,
    /// The events filter's button.
    pub events_filter: &'static str,
    /// The events filter's accessible name.
    pub events_filter_heading: &'static str,
    /// Filter: every venue.
    pub events_any_venue: &'static str,
    /// Filter: every category.
    pub events_any_category: &'static str,
    /// Filter: every audience.
    pub events_any_audience: &'static str,
    /// Filter: month.
    pub events_month: &'static str,
    /// Link to the iCalendar feed.
    pub events_feed: &'static str,
    /// Event: when.
    pub event_when: &'static str,
    /// Event: venue.
    pub event_venue: &'static str,
    /// Event: place.
    pub event_place: &'static str,
    /// Event: category.
    pub event_category: &'static str,
    /// Event: audience.
    pub event_audience: &'static str,
    /// Event: fee.
    pub event_fee: &'static str,
    /// Event: booking.
    pub event_booking: &'static str,
    /// Event: capacity.
    pub event_capacity: &'static str,
    /// Event: cancelled.
    pub event_cancelled: &'static str,
    /// Event: add to calendar.
    pub event_add_to_calendar: &'static str,
    /// Venue page: its upcoming events.
    pub venue_events: &'static str,
    /// Home page: the next events.
    pub home_events: &'static str,
    /// Link to every event.
    pub all_events: &'static str,
}

/// Simplified Chinese.
pub static ZH: Labels = Labels {
    skip_to_content: "跳到正文",
    main_navigation: "主导航",
    nav_home: "首页",
    nav_search: "检索",
    nav_institutions: "场馆",
    switch_language: "English",
    elder_mode_on: "长辈模式（大字）",
    elder_mode_off: "标准模式",
    search_label: "检索全区各场馆的数字馆藏",
    search_placeholder: "题名、人物、地点、主题……",
    search_button: "检索",
    footer_operator: "主办单位",
    footer_contact: "联系方式",
    footer_icp: "ICP备案号",
    footer_police: "公安备案号",
    home_intro: "图书馆、博物馆、文化馆等公共文化场馆的地方文献、老照片、藏品与非遗资料，一站检索。",
    home_venues: "场馆",
    home_recent: "最新入藏",
    all_institutions: "全部场馆",
    search_title: "检索",
    refine_heading: "筛选",
    applied_filters: "已选条件",
    remove_filter: "移除条件",
    clear_filters: "清除全部条件",
    sort_label: "排序",
    sort_apply: "应用",
    sort_relevance: "相关度",
    sort_date_asc: "年代（从早到晚）",
    sort_date_desc: "年代（从晚到早）",
    sort_title: "题名（按拼音）",
    sort_recent: "最新入藏",
    pagination: "分页",
    previous_page: "上一页",
    next_page: "下一页",
    no_results: "没有找到符合条件的结果",
    no_results_try: "可以试试：",
    no_results_remove_filters: "去掉筛选条件",
    no_results_advice: "请检查是否有错别字，减少检索词，或换用同义词、拼音。",
    query_fallback_note: "检索式无法解析，已按其中的词语检索。",
    results_list: "检索结果",
    metadata_heading: "著录信息",
    field_heading: "项目",
    value_heading: "内容",
    held_by: "收藏场馆",
    collection: "专题馆藏",
    pages_heading: "页面",
    viewer_label: "图像查看器",
    zoom_in: "放大",
    zoom_out: "缩小",
    zoom_reset: "复位",
    viewer_hint: "可用鼠标滚轮或双指缩放、拖动平移，键盘 + − 与方向键亦可。",
    no_image: "本件没有可显示的图像。",
    downloads_heading: "下载",
    download_web_image: "下载本页图像（JPEG）",
    download_original: "下载原始文件",
    rights_heading: "权利与使用",
    access_heading: "开放程度",
    metadata_only_note: "本件仅公开著录信息，不提供图像和下载。如需查阅，请联系收藏场馆。",
    restricted_note: "本件受限，仅公开其存在。如需查阅，请联系收藏场馆。",
    rights_default: "版权归收藏场馆或原权利人所有，仅供学习研究使用。",
    permalink: "永久链接",
    cite_as: "引用格式",
    iiif_manifest: "IIIF 清单",
    catalogued: "入藏时间",
    institutions_title: "场馆",
    kind: "类型",
    opening_hours: "开放时间",
    services: "服务项目",
    accessibility: "无障碍服务",
    address: "地址",
    contact: "联系方式",
    website: "网站",
    holdings: "馆藏",
    search_holdings: "检索本馆馆藏",
    not_stated: "暂无信息",
    not_found_title: "页面不存在",
    gone_title: "该藏品已撤下",
    gone_text: "该藏品已不再公开。撤下原因：",
    not_found_text: "您要找的页面或藏品不存在，或已被移除。",
    bad_request_title: "请求有误",
    bad_request_text: "无法理解此请求，请检查链接或检索条件。",
    server_error_title: "服务暂时出错",
    server_error_text: "服务器暂时无法处理此请求，请稍后再试。",
    back_home: "返回首页",
    nav_events: "活动",
    events_title: "活动",
    events_upcoming: "近期活动",
    events_past: "往期活动",
    events_none: "没有符合条件的活动。",
    events_filter: "筛选",
    events_filter_heading: "筛选活动",
    events_any_venue: "全部场馆",
    events_any_category: "全部类别",
    events_any_audience: "全部人群",
    events_month: "月份",
    events_feed: "订阅日历 (iCalendar)",
    event_when: "时间",
    event_venue: "场馆",
    event_place: "地点",
    event_category: "类别",
    event_audience: "对象",
    event_fee: "费用",
    event_booking: "预约",
    event_capacity: "人数上限",
    event_cancelled: "已取消",
    event_add_to_calendar: "加入日历",
    venue_events: "近期活动",
    home_events: "近期活动",
    all_events: "全部活动",
};

/// English.
pub static EN: Labels = Labels {
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    nav_home: "Home",
    nav_search: "Search",
    nav_institutions: "Venues",
    switch_language: "中文",
    elder_mode_on: "Large text",
    elder_mode_off: "Standard view",
    search_label: "Search the digital holdings of every venue in the district",
    search_placeholder: "Title, person, place, subject…",
    search_button: "Search",
    footer_operator: "Operated by",
    footer_contact: "Contact",
    footer_icp: "ICP filing",
    footer_police: "Public security filing",
    home_intro: "Local records, old photographs, museum objects and intangible heritage from the district's libraries, museums and culture halls, searchable in one place.",
    home_venues: "Venues",
    home_recent: "Recent additions",
    all_institutions: "All venues",
    search_title: "Search",
    refine_heading: "Refine",
    applied_filters: "Applied filters",
    remove_filter: "Remove filter",
    clear_filters: "Clear all filters",
    sort_label: "Sort by",
    sort_apply: "Apply",
    sort_relevance: "Relevance",
    sort_date_asc: "Date (oldest first)",
    sort_date_desc: "Date (newest first)",
    sort_title: "Title",
    sort_recent: "Recently added",
    pagination: "Pages",
    previous_page: "Previous",
    next_page: "Next",
    no_results: "Nothing matched your search",
    no_results_try: "Try:",
    no_results_remove_filters: "removing the filters",
    no_results_advice: "Check the spelling, use fewer words, or try a synonym or pinyin.",
    query_fallback_note: "The query could not be parsed; its words were searched instead.",
    results_list: "Search results",
    metadata_heading: "Description",
    field_heading: "Field",
    value_heading: "Value",
    held_by: "Held by",
    collection: "Collection",
    pages_heading: "Pages",
    viewer_label: "Image viewer",
    zoom_in: "Zoom in",
    zoom_out: "Zoom out",
    zoom_reset: "Reset",
    viewer_hint: "Zoom with the mouse wheel or a pinch, drag to pan, or use the + − and arrow keys.",
    no_image: "There is no image to show for this item.",
    downloads_heading: "Download",
    download_web_image: "Download this page's image (JPEG)",
    download_original: "Download the original file",
    rights_heading: "Rights and access",
    access_heading: "Access",
    metadata_only_note: "Only the description of this item is public; images and downloads are not. Contact the holding venue to consult it.",
    restricted_note: "This item is restricted; only its existence is public. Contact the holding venue to consult it.",
    rights_default: "Rights belong to the holding venue or the original rights holder; for study and research.",
    permalink: "Permalink",
    cite_as: "Cite as",
    iiif_manifest: "IIIF manifest",
    catalogued: "Catalogued",
    institutions_title: "Venues",
    kind: "Kind",
    opening_hours: "Opening hours",
    services: "Services",
    accessibility: "Accessibility",
    address: "Address",
    contact: "Contact",
    website: "Web site",
    holdings: "Holdings",
    search_holdings: "Search this venue's holdings",
    not_stated: "Not stated",
    not_found_title: "Page not found",
    gone_title: "This item has been withdrawn",
    gone_text: "This item is no longer public. Reason given:",
    not_found_text: "The page or item you asked for does not exist or has been removed.",
    bad_request_title: "Bad request",
    bad_request_text: "This request could not be understood; please check the link or the search.",
    server_error_title: "Something went wrong",
    server_error_text: "The server could not answer this request; please try again later.",
    back_home: "Back to the home page",
    nav_events: "Events",
    events_title: "Events",
    events_upcoming: "Upcoming",
    events_past: "Past events",
    events_none: "No event matches.",
    events_filter: "Filter",
    events_filter_heading: "Filter events",
    events_any_venue: "Every venue",
    events_any_category: "Every category",
    events_any_audience: "Everyone",
    events_month: "Month",
    events_feed: "Subscribe (iCalendar)",
    event_when: "When",
    event_venue: "Venue",
    event_place: "Place",
    event_category: "Category",
    event_audience: "For",
    event_fee: "Fee",
    event_booking: "Booking",
    event_capacity: "Places",
    event_cancelled: "Cancelled",
    event_add_to_calendar: "Add to calendar",
    venue_events: "Upcoming events",
    home_events: "Coming up",
    all_events: "All events",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_parse_loosely() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("zh-Hans"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn every_facet_has_a_label_in_both_languages() {
        for facet in wenyuan_index::search::schema::FACET_NAMES {
            assert_ne!(Lang::Zh.facet_label(facet), "筛选", "{facet}");
            assert_ne!(Lang::En.facet_label(facet), "Filter", "{facet}");
        }
    }
}
