//! What the operator configures about the public site: names, the footer's
//! legally required filing numbers, and the public address used in links
//! that partners follow (OAI-PMH, IIIF).

use serde::Deserialize;

/// Site configuration, built by the binary from file, environment and flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SiteConfig {
    /// The site's name in Chinese, e.g. 王益区公共数字文化平台.
    pub site_name_zh: String,
    /// The site's name in English.
    pub site_name_en: String,
    /// Who runs the site (区文化和旅游局), shown in the footer.
    pub operator: String,
    /// Contact line for the footer (telephone, e-mail).
    pub contact: String,
    /// ICP filing number (ICP备案号), shown in the footer.
    pub icp_number: String,
    /// Public-security filing number (公安备案号), shown in the footer.
    pub police_number: String,
    /// The address partners reach the site at, without a trailing slash,
    /// e.g. `https://wenhua.example.gov.cn`; used in OAI-PMH and IIIF ids.
    pub public_url: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            site_name_zh: "文渊 · 公共数字文化平台".into(),
            site_name_en: "Wenyuan Digital Culture Platform".into(),
            operator: String::new(),
            contact: String::new(),
            icp_number: String::new(),
            police_number: String::new(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}
