//! `/api/v1`: every JSON route, registered through utoipa-axum so that
//! the OpenAPI document is generated from the handlers themselves.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    AppState, auth, campaigns, exams, gatherings, library, members, pledges, progress, questions,
    reading, reminders, search, sites, units,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Suyuan API", description = "Units, members, sign-in, the library, search, daily reading, the question bank, tests, gatherings, teaching sites and pledges. Errors are `{\"error\": {\"code\", \"message\"}}`."),
    modifiers(&BearerAuth),
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
