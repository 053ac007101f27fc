//! The Constitution for the whole public: the quiz anyone may take without
//! an account (and the public question bank it draws from), the figures
//! of public participation by day, and the National Constitution Day page
//! an admin can feature on the front page. The rules are core's
//! `public`; what is kept is the store's.

mod day;
mod quiz;
pub mod readers;

use axum::Router;
use axum::routing::{get, post};

use crate::{AppState, paths};

pub use day::{constitution_href, featured_day};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::QUIZ, get(quiz::intro_page).post(quiz::start))
        .route("/quiz/{code}", get(quiz::quiz_page).post(quiz::hand_in))
        .route(paths::PUBLIC_QUESTIONS, post(quiz::publish))
        .route(
            paths::CONSTITUTION_DAY,
            get(day::day_page).post(day::save_feature),
        )
        .route(paths::PARTICIPATION, get(day::participation_page))
}
