//! Backup as BagIt bags (RFC 8493), so the archive outlives the software:
//! [`export`] writes the catalogue's items as bags, [`import`] validates
//! bags and brings their items back, with the same ids and digests.
//!
//! A bag made by wenyuan:
//!
//! ```text
//! <item-id>/                     one bag per item (per collection: <institution>.<collection>/)
//!   bagit.txt                    BagIt-Version: 1.0, Tag-File-Character-Encoding: UTF-8
//!   bag-info.txt                 Source-Organization, External-Identifier, Bagging-Date, Payload-Oxum …
//!   manifest-sha256.txt          every payload file
//!   manifest-sha512.txt
//!   tagmanifest-sha256.txt       every tag file: bagit.txt, bag-info.txt, the manifests, metadata/
//!   tagmanifest-sha512.txt
//!   metadata/institution.json    the venue (and collection.json, the collection)
//!   metadata/items/<id>.json     the catalogue record: Dublin Core and extra fields, access,
//!                                each file's BLAKE3, size, type, original path, technical
//!                                metadata and full text, and where its bytes are in data/
//!   metadata/items/<id>.dc.xml   the Dublin Core elements as oai_dc
//!   data/<original file names>   the preserved originals (per collection: data/<item-id>/…)
//! ```
//!
//! Derivatives (thumbnails, web images) are not exported: import remakes
//! them from the originals.

mod export;
mod import;
mod manifest;
mod names;
mod record;
mod validate;

pub use export::{BagGrouping, ExportOptions, ExportReport, export};
pub use import::{ImportOptions, ImportReport, import};
