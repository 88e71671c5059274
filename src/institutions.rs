//! The institutions file: venues and their collections in TOML, imported
//! with `wenyuan institutions import FILE.toml`.
//!
//! ```toml
//! [[institution]]
//! id = "district-library"
//! name_zh = "区图书馆"
//! kind = "library"
//!
//! [[institution.collection]]
//! id = "local-chronicles"
//! name_zh = "地方志"
//! ```

use serde::Deserialize;
use wenyuan_index::model::{Collection, Institution, InstitutionKind};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionsFile {
    /// The venues.
    #[serde(default)]
    pub institution: Vec<InstitutionEntry>,
}

/// One venue as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionEntry {
    id: String,
    name_zh: String,
    name_en: Option<String>,
    kind: InstitutionKind,
    address: Option<String>,
    opening_hours: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    accessibility: Option<String>,
    contact: Option<String>,
    website: Option<String>,
    #[serde(default)]
    collection: Vec<CollectionEntry>,
}

/// One collection as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionEntry {
    id: String,
    name_zh: String,
    name_en: Option<String>,
    description: Option<String>,
}

impl InstitutionsFile {
    /// Parses the TOML text.
    pub fn parse(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The institutions and collections the file describes.
    pub fn into_records(self) -> Vec<(Institution, Vec<Collection>)> {
        self.institution
            .into_iter()
            .map(|entry| {
                let collections = entry
                    .collection
                    .into_iter()
                    .map(|collection| Collection {
                        id: collection.id,
                        institution_id: entry.id.clone(),
                        name_zh: collection.name_zh,
                        name_en: collection.name_en,
                        description: collection.description,
                    })
                    .collect();
                let institution = Institution {
                    id: entry.id,
                    name_zh: entry.name_zh,
                    name_en: entry.name_en,
                    kind: entry.kind,
                    address: entry.address,
                    opening_hours: entry.opening_hours,
                    services: entry.services,
                    accessibility: entry.accessibility,
                    contact: entry.contact,
                    website: entry.website,
                };
                (institution, collections)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_venues_with_collections() {
        let file = InstitutionsFile::parse(
            r#"
            [[institution]]
            id = "museum"
            name_zh = "区博物馆"
            kind = "museum"
            services = ["展览", "讲解"]
            [[institution.collection]]
            id = "ceramics"
            name_zh = "耀州窑陶瓷"
            "#,
        )
        .unwrap();
        let records = file.into_records();
        assert_eq!(records[0].0.kind, InstitutionKind::Museum);
        assert_eq!(records[0].1[0].institution_id, "museum");
    }

    #[test]
    fn rejects_misspelt_fields() {
        let error = InstitutionsFile::parse(
            "[[institution]]\nid='a'\nname_zh='x'\nkind='library'\nadress='typo'\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("adress"));
    }
}
