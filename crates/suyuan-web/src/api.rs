//! `/api/v1`: every JSON route, registered through utoipa-axum so that
//! the OpenAPI document is generated from the handlers themselves.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    AppState, auth, campaigns, exams, gatherings, library, members, pledges, progress, questions,
    reading, reminders, search, sites, units,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Suyuan API", description = "Units, members, sign-in, the library, search, daily reading, the question bank, tests, gatherings, teaching sites and pledges. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&BearerAuth),
    components(schemas(Failure)),
    tags((name = "auth"), (name = "units"), (name = "members"), (name = "library"), (name = "reading"), (name = "questions"), (name = "tests"), (name = "gatherings"), (name = "sites"), (name = "pledges"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(auth::api())
        .merge(units::api())
        .merge(members::api())
        .merge(library::api())
        .merge(search::api())
        .merge(reading::api())
        .merge(campaigns::api())
        .merge(questions::api())
        .merge(exams::api())
        .merge(gatherings::api())
        .merge(progress::dashboard::api())
        .merge(reminders::api())
        .merge(sites::api())
        .merge(pledges::api())
}

/// Every error's body, as `render_errors` writes it.
#[derive(ToSchema)]
#[allow(dead_code)]
struct Failure {
    error: FailureDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
struct FailureDetail {
    /// What kind of refusal: `invalid`, `not_found`, `sign_in_required` …
    code: String,
    /// Why, in words.
    message: String,
}

fn failure(why: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(why)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Failure")))
                .build(),
        )
        .build()
        .into()
}

/// Adds to every operation of the generated document what it may answer
/// whatever its handler says — the extractors' refusals and the limits
/// around every route — so that the document is true of every route, new
/// ones included, and each handler documents only what is its own.
pub fn complete(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        let names_an_object = path.contains('{');
        let operations = [
            (false, &mut item.get),
            (true, &mut item.put),
            (true, &mut item.post),
            (true, &mut item.delete),
            (true, &mut item.patch),
        ];
        for (writes, operation) in operations {
            let Some(operation) = operation else {
                continue;
            };
            let signed_in = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = operation.request_body.is_some();
            let has_query = operation.parameters.as_ref().is_some_and(|p| {
                p.iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query))
            });
            let mut statuses = vec![("400", "a parameter that does not parse")];
            // What the path, the query or the body names (a unit, a
            // campaign, a parent) may not exist, or lie outside the
            // caller's scope; and a value may parse yet break a rule.
            if names_an_object || has_query || has_body {
                statuses.extend([
                    ("404", "no such object, or one outside the caller's scope"),
                    ("422", "a value that parses but breaks a rule"),
                ]);
            }
            if signed_in {
                statuses.extend([
                    ("401", "no token, or one that has ended"),
                    ("403", "outside what the caller's role allows, or the password must be changed first"),
                    ("429", "the token's pace is exceeded; `Retry-After` says when to try again"),
                ]);
            }
            if writes {
                statuses.push((
                    "409",
                    "what must be unique is taken (a code, an id used for something else)",
                ));
            }
            if has_body {
                statuses.extend([
                    ("413", "the body is larger than the 32 MiB an upload may be"),
                    ("415", "the body is not of the type the operation takes"),
                ]);
            }
            for (status, why) in statuses {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| failure(why));
            }
        }
    }
}
