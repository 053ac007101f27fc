//! The words of what everyone sees without an account, in both languages
//! side by side: the front page so far.

/// Every text of the public front page.
#[derive(Debug)]
pub struct PublicTexts {
    pub front_title: &'static str,
    pub front_lead: &'static str,
    pub sign_in: &'static str,
    pub sign_in_hint: &'static str,
    pub for_everyone: &'static str,
    pub constitution: &'static str,
    pub constitution_hint: &'static str,
    pub sites_hint: &'static str,
    pub pledges_hint: &'static str,
    pub requests_hint: &'static str,
    pub track_hint: &'static str,
    pub library_hint: &'static str,
}

pub const ZH: PublicTexts = PublicTexts {
    front_title: "溯源 · 学习教育平台",
    front_lead: "学习宪法和法律，参观现场教学点，看看身边的单位为群众办了哪些实事，有事也可以直接向负责的单位提出。这些都不用注册。",
    sign_in: "党员登录",
    sign_in_hint: "党员和管理员用编号或手机号登录，参加每日学习、测试和组织生活。",
    for_everyone: "不用登录就能用",
    constitution: "中华人民共和国宪法",
    constitution_hint: "逐条阅读宪法，每一条都能分享",
    sites_hint: "红色教育基地和法治教育场馆：开放时间、预约参观",
    pledges_hint: "各单位承诺为群众办的实事，办得怎样都公开",
    requests_hint: "有事向负责的单位提出，按时受理、答复，是否解决您说了算",
    track_hint: "凭查询码查看诉求办理进度、评价答复",
    library_hint: "法律法规和学习材料，可按词句搜索",
};

pub const EN: PublicTexts = PublicTexts {
    front_title: "Suyuan · study for everyone",
    front_lead: "Read the Constitution and the laws, visit the teaching sites, see what the units around you have pledged to do for the people, and ask the unit responsible for what you need. None of it needs an account.",
    sign_in: "Members sign in",
    sign_in_hint: "Members and admins sign in with their member number or phone for daily reading, tests and gatherings.",
    for_everyone: "Open to everyone, no account needed",
    constitution: "The Constitution of the People's Republic of China",
    constitution_hint: "Read it article by article; every article has a link to share",
    sites_hint: "Memorial halls and sites of legal education: opening hours, book a visit",
    pledges_hint: "What units have pledged to do for the people, and how it went, in the open",
    requests_hint: "Ask the unit responsible; it must answer in time, and whether it is solved is yours to say",
    track_hint: "Follow your request by its code and rate the answer",
    library_hint: "Laws, regulations and study material, searchable by any phrase",
};
