//! OAI-PMH 2.0 at `/oai`, over GET and form-encoded POST: all six verbs,
//! `oai_dc` built from our Dublin Core, sets per institution (`inst:ID`) and
//! collection (`inst:ID:coll:ID`), `from`/`until` at seconds granularity,
//! resumption tokens ([`request`]) and persistent deleted records.
//!
//! Protocol errors are OAI-PMH XML with HTTP 200, as the protocol asks; only
//! a failure of ours is a 500. Records are listed in `(updated_at, id)`
//! order straight from the catalogue, so the search index plays no part.

pub mod request;
pub mod xml;

use std::collections::BTreeMap;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use wenyuan_index::access;
use wenyuan_index::catalog::ChangeQuery;
use wenyuan_index::model::{Collection, DcElement, Institution, Item};

use crate::dates::iso_utc;
use crate::urls::{base_url, item_page_url};
use crate::{AppError, AppState, SiteConfig};
use request::{
    ListState, OAI_DC, OaiError, OaiErrorCode, OaiRequest, Verb, parse_request, parse_set,
};
use xml::escape;

/// Records per list response.
pub const PAGE_SIZE: usize = 50;

/// `GET /oai?verb=…`.
pub async fn oai_get(
    State(state): State<AppState>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let pairs = query.map(|Query(pairs)| pairs).map_err(|_| ());
    answer(state, pairs).await
}

/// `POST /oai` with a form-encoded body.
pub async fn oai_post(
    State(state): State<AppState>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let pairs = form.map(|Form(pairs)| pairs).map_err(|_| ());
    answer(state, pairs).await
}

async fn answer(state: AppState, pairs: Result<Vec<(String, String)>, ()>) -> Response {
    let config = state.config().clone();
    let body = match pairs {
        Err(()) => envelope(
            &config,
            None,
            &error_xml(&OaiError::new(
                OaiErrorCode::BadArgument,
                "the request's arguments could not be read",
            )),
        ),
        Ok(pairs) => match parse_request(&pairs) {
            Err(error) => envelope(&config, None, &error_xml(&error)),
            Ok(request) => {
                let inner = state.clone();
                let prepared = request.clone();
                match state
                    .catalog(move |catalog| Ok(respond(catalog, inner.config(), &prepared)))
                    .await
                {
                    Ok(Ok(content)) => envelope(&config, Some(&request), &content),
                    Ok(Err(OaiFailure::Protocol(error))) => {
                        // The protocol forbids echoing the arguments of a bad request.
                        let echo = !matches!(
                            error.code,
                            OaiErrorCode::BadArgument | OaiErrorCode::BadVerb
                        );
                        envelope(&config, echo.then_some(&request), &error_xml(&error))
                    }
                    Ok(Err(OaiFailure::Ours(error))) | Err(error) => {
                        return internal(error);
                    }
                }
            }
        },
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn internal(error: AppError) -> Response {
    error.log();
    (error.status(), error.public_message()).into_response()
}

/// Why a verb could not be answered.
enum OaiFailure {
    /// A protocol error, answered in XML.
    Protocol(OaiError),
    /// Our failure.
    Ours(AppError),
}

impl From<OaiError> for OaiFailure {
    fn from(error: OaiError) -> Self {
        OaiFailure::Protocol(error)
    }
}

impl From<wenyuan_index::Error> for OaiFailure {
    fn from(error: wenyuan_index::Error) -> Self {
        OaiFailure::Ours(error.into())
    }
}

/// The response document around `content`.
fn envelope(config: &SiteConfig, request: Option<&OaiRequest>, content: &str) -> String {
    let mut attributes = String::new();
    if let Some(request) = request {
        attributes.push_str(&format!(" verb=\"{}\"", request.verb.as_str()));
        for (name, value) in &request.arguments {
            attributes.push_str(&format!(" {name}=\"{}\"", escape(value)));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n\
         <responseDate>{}</responseDate>\n<request{attributes}>{}</request>\n{content}</OAI-PMH>\n",
        iso_utc(wenyuan_index::catalog::unix_now()),
        escape(&oai_base_url(config)),
    )
}

fn error_xml(error: &OaiError) -> String {
    format!(
        "<error code=\"{}\">{}</error>\n",
        error.code.as_str(),
        escape(&error.message)
    )
}

/// The base URL of the repository.
pub fn oai_base_url(config: &SiteConfig) -> String {
    format!("{}/oai", base_url(config))
}

/// The host part of the public URL, the namespace of our OAI identifiers.
fn namespace(config: &SiteConfig) -> &str {
    let url = base_url(config);
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host_and_port = without_scheme.split('/').next().unwrap_or(without_scheme);
    host_and_port
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|byte| byte.is_ascii_digit()))
        .map_or(host_and_port, |(host, _)| host)
}

/// `oai:{host}:{item_id}`.
pub fn oai_identifier(config: &SiteConfig, item_id: &str) -> String {
    format!("oai:{}:{item_id}", namespace(config))
}

fn item_id_of<'a>(config: &SiteConfig, identifier: &'a str) -> Option<&'a str> {
    identifier
        .strip_prefix("oai:")?
        .strip_prefix(namespace(config))?
        .strip_prefix(':')
        .filter(|id| !id.is_empty())
}

/// The record an OAI identifier names, or the protocol's `idDoesNotExist`.
fn record_for_identifier(
    catalog: &wenyuan_index::Catalog,
    config: &SiteConfig,
    identifier: &str,
) -> Result<wenyuan_index::model::ItemRecord, OaiFailure> {
    let record = match item_id_of(config, identifier) {
        Some(id) => catalog.item(id)?,
        None => None,
    };
    record.ok_or_else(|| {
        OaiError::new(
            OaiErrorCode::IdDoesNotExist,
            format!("'{identifier}' is not an identifier of this repository"),
        )
        .into()
    })
}

fn respond(
    catalog: &wenyuan_index::Catalog,
    config: &SiteConfig,
    request: &OaiRequest,
) -> Result<String, OaiFailure> {
    match request.verb {
        Verb::Identify => identify(catalog, config),
        Verb::ListMetadataFormats => list_metadata_formats(catalog, config, request),
        Verb::ListSets => list_sets(catalog, request),
        Verb::ListIdentifiers | Verb::ListRecords => list(catalog, config, request),
        Verb::GetRecord => get_record(catalog, config, request),
    }
}

fn admin_email(config: &SiteConfig) -> String {
    let from_contact = config
        .contact
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '，' || c == '；')
        .find(|word| {
            word.split_once('@')
                .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
        });
    match from_contact {
        Some(email) => email.to_string(),
        None => {
            let host = namespace(config);
            if host.contains('.') {
                format!("webmaster@{host}")
            } else {
                "webmaster@localhost.localdomain".into()
            }
        }
    }
}

fn identify(catalog: &wenyuan_index::Catalog, config: &SiteConfig) -> Result<String, OaiFailure> {
    let earliest = catalog.earliest_update()?.unwrap_or(0);
    Ok(format!(
        "<Identify>\n<repositoryName>{}</repositoryName>\n<baseURL>{}</baseURL>\n\
         <protocolVersion>2.0</protocolVersion>\n<adminEmail>{}</adminEmail>\n\
         <earliestDatestamp>{}</earliestDatestamp>\n<deletedRecord>persistent</deletedRecord>\n\
         <granularity>YYYY-MM-DDThh:mm:ssZ</granularity>\n</Identify>\n",
        escape(&config.site_name_zh),
        escape(&oai_base_url(config)),
        escape(&admin_email(config)),
        iso_utc(earliest),
    ))
}

fn list_metadata_formats(
    catalog: &wenyuan_index::Catalog,
    config: &SiteConfig,
    request: &OaiRequest,
) -> Result<String, OaiFailure> {
    if let Some(identifier) = request.arguments.get("identifier") {
        let record = record_for_identifier(catalog, config, identifier)?;
        if record.item.deleted_at.is_some() {
            return Err(OaiError::new(
                OaiErrorCode::NoMetadataFormats,
                "the item was deleted; only its header remains",
            )
            .into());
        }
    }
    Ok(
        "<ListMetadataFormats>\n<metadataFormat>\n<metadataPrefix>oai_dc</metadataPrefix>\n\
        <schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>\n\
        <metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>\n\
        </metadataFormat>\n</ListMetadataFormats>\n"
            .into(),
    )
}

fn list_sets(catalog: &wenyuan_index::Catalog, request: &OaiRequest) -> Result<String, OaiFailure> {
    if request.arguments.contains_key("resumptionToken") {
        return Err(OaiError::new(
            OaiErrorCode::BadResumptionToken,
            "the list of sets is sent whole; it has no resumption tokens",
        )
        .into());
    }
    let institutions = catalog.institutions()?;
    if institutions.is_empty() {
        return Err(OaiError::new(
            OaiErrorCode::NoSetHierarchy,
            "the repository has no venues yet, so no sets",
        )
        .into());
    }
    let collections = catalog.collections()?;
    let mut out = String::from("<ListSets>\n");
    for institution in &institutions {
        out.push_str(&set_xml(
            &format!("inst:{}", institution.id),
            &institution.name_zh,
            institution.name_en.as_deref(),
        ));
        for collection in collections
            .iter()
            .filter(|collection| collection.institution_id == institution.id)
        {
            out.push_str(&set_xml(
                &format!("inst:{}:coll:{}", institution.id, collection.id),
                &collection.name_zh,
                collection.name_en.as_deref(),
            ));
        }
    }
    out.push_str("</ListSets>\n");
    Ok(out)
}

fn set_xml(spec: &str, name_zh: &str, name_en: Option<&str>) -> String {
    let name = match name_en {
        Some(english) => format!("{name_zh} ({english})"),
        None => name_zh.to_string(),
    };
    format!(
        "<set><setSpec>{}</setSpec><setName>{}</setName></set>\n",
        escape(spec),
        escape(&name)
    )
}

fn check_prefix(prefix: &str) -> Result<(), OaiError> {
    if prefix == OAI_DC {
        Ok(())
    } else {
        Err(OaiError::new(
            OaiErrorCode::CannotDisseminateFormat,
            format!("'{prefix}' is not disseminated here; use oai_dc"),
        ))
    }
}

fn list(
    catalog: &wenyuan_index::Catalog,
    config: &SiteConfig,
    request: &OaiRequest,
) -> Result<String, OaiFailure> {
    let resumed = request.arguments.contains_key("resumptionToken");
    let state = ListState::from_arguments(&request.arguments)?;
    check_prefix(&state.metadata_prefix)?;
    let mut query = ChangeQuery {
        from: state.from,
        until: state.until,
        limit: PAGE_SIZE + 1,
        ..ChangeQuery::default()
    };
    if let Some(spec) = &state.set {
        let set = parse_set(spec).ok_or_else(|| {
            OaiError::new(OaiErrorCode::BadResumptionToken, "the token names no set")
        })?;
        let institutions = catalog.institutions()?;
        if institutions.is_empty() {
            return Err(OaiError::new(
                OaiErrorCode::NoSetHierarchy,
                "the repository has no venues yet, so no sets",
            )
            .into());
        }
        query.institution_id = Some(set.institution_id);
        query.collection_id = set.collection_id;
    }
    let complete_list_size = catalog.count_items_changed(&query)?;
    query.after = state.after.clone();
    let mut items = catalog.items_changed(&query)?;
    if items.is_empty() {
        return Err(OaiError::new(
            OaiErrorCode::NoRecordsMatch,
            if resumed {
                "no records remain in this list"
            } else {
                "no records match these arguments"
            },
        )
        .into());
    }
    let has_more = items.len() > PAGE_SIZE;
    items.truncate(PAGE_SIZE);
    let (institutions, collections) = (catalog.institutions()?, catalog.collections()?);
    let with_metadata = request.verb == Verb::ListRecords;
    let element = request.verb.as_str();
    let mut out = format!("<{element}>\n");
    for item in &items {
        if with_metadata {
            out.push_str(&record_xml(config, item, &institutions, &collections));
        } else {
            out.push_str(&header_xml(config, item));
        }
    }
    let last = items.last().expect("a non-empty page");
    if has_more {
        let next = ListState {
            after: Some((last.updated_at, last.id.clone())),
            cursor: state.cursor.saturating_add(items.len() as u64),
            ..state.clone()
        };
        out.push_str(&format!(
            "<resumptionToken completeListSize=\"{complete_list_size}\" cursor=\"{}\">{}</resumptionToken>\n",
            state.cursor,
            escape(&next.to_token())
        ));
    } else if resumed {
        out.push_str(&format!(
            "<resumptionToken completeListSize=\"{complete_list_size}\" cursor=\"{}\"/>\n",
            state.cursor
        ));
    }
    out.push_str(&format!("</{element}>\n"));
    Ok(out)
}

fn get_record(
    catalog: &wenyuan_index::Catalog,
    config: &SiteConfig,
    request: &OaiRequest,
) -> Result<String, OaiFailure> {
    check_prefix(&request.arguments["metadataPrefix"])?;
    let identifier = &request.arguments["identifier"];
    let record = record_for_identifier(catalog, config, identifier)?;
    let (institutions, collections) = (catalog.institutions()?, catalog.collections()?);
    Ok(format!(
        "<GetRecord>\n{}</GetRecord>\n",
        record_xml(config, &record.item, &institutions, &collections)
    ))
}

fn header_xml(config: &SiteConfig, item: &Item) -> String {
    let status = if item.deleted_at.is_some() {
        " status=\"deleted\""
    } else {
        ""
    };
    let mut sets = String::new();
    if let Some(institution) = &item.institution_id {
        sets.push_str(&format!("<setSpec>inst:{}</setSpec>", escape(institution)));
        if let Some(collection) = &item.collection_id {
            sets.push_str(&format!(
                "<setSpec>inst:{}:coll:{}</setSpec>",
                escape(institution),
                escape(collection)
            ));
        }
    }
    format!(
        "<header{status}><identifier>{}</identifier><datestamp>{}</datestamp>{sets}</header>\n",
        escape(&oai_identifier(config, &item.id)),
        iso_utc(item.updated_at),
    )
}

fn record_xml(
    config: &SiteConfig,
    item: &Item,
    institutions: &[Institution],
    collections: &[Collection],
) -> String {
    let header = header_xml(config, item);
    if item.deleted_at.is_some() {
        return format!("<record>{header}</record>\n");
    }
    format!(
        "<record>{header}<metadata>\n{}</metadata>\n</record>\n",
        oai_dc(config, item, institutions, collections)
    )
}

/// The `oai_dc` description of an item. A restricted item shows only
/// enough to cite it (see [`access::CITATION_ELEMENTS`]).
pub fn oai_dc(
    config: &SiteConfig,
    item: &Item,
    institutions: &[Institution],
    collections: &[Collection],
) -> String {
    let mut out = String::from(
        "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">\n",
    );
    let mut elements: BTreeMap<DcElement, Vec<String>> = item
        .metadata
        .dc
        .iter()
        .filter(|(element, _)| access::shows_element(item.access, **element))
        .map(|(element, values)| (*element, values.clone()))
        .collect();
    elements
        .entry(DcElement::Title)
        .or_insert_with(|| vec![item.display_title().to_string()]);
    let identifiers = elements.entry(DcElement::Identifier).or_default();
    identifiers.push(item_page_url(config, &item.id));
    if let Some(institution) = item.institution_id.as_ref().and_then(|id| {
        institutions
            .iter()
            .find(|institution| institution.id == *id)
    }) && !elements.contains_key(&DcElement::Publisher)
    {
        elements.insert(DcElement::Publisher, vec![institution.name_zh.clone()]);
    }
    if let (Some(institution_id), Some(collection_id)) = (&item.institution_id, &item.collection_id)
        && let Some(collection) = collections.iter().find(|collection| {
            collection.institution_id == *institution_id && collection.id == *collection_id
        })
    {
        elements
            .entry(DcElement::Relation)
            .or_default()
            .push(collection.name_zh.clone());
    }
    for element in DcElement::ALL {
        for value in elements.get(&element).into_iter().flatten() {
            out.push_str(&format!(
                "<dc:{name}>{}</dc:{name}>\n",
                escape(value),
                name = element.as_str()
            ));
        }
    }
    out.push_str("</oai_dc:dc>\n");
    out
}
