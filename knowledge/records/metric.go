package records

import (
	"sort"
	"strings"

	"dramabot/knowledge/glossary"
)

// Metric ids: a small closed set. A figure whose metric cannot be told
// gets none ("") and still appears in the figure table.
const (
	MarketSize      = "market_size"      // the Chinese micro-drama market: size, revenue, output value
	OverseasRevenue = "overseas_revenue" // micro-drama apps and revenue abroad, in total
	Revenue         = "revenue"          // one app's, company's or title's takings
	BoxOffice       = "box_office"       // cinema ticket sales, the usual comparison
	Cost            = "cost"             // production cost or budget of a title
	Price           = "price"            // a rate: rent, fee, pay per day or hour
	Spending        = "spending"         // what a viewer spends
	Funding         = "funding"          // public money set aside
	Users           = "users"            // viewers or users of micro-dramas
	MAU             = "mau"              // monthly active users
	DAU             = "dau"              // daily active users
	InternetUsers   = "internet_users"   // all internet users, the base of penetration
	Penetration     = "penetration"      // share of internet users who watch
	SharePaying     = "share_paying"     // share of viewers who pay
	WatchFrequency  = "watch_frequency"  // share of viewers who watch daily, weekly, often
	Retention       = "retention"        // share of users still active after a time
	Share           = "share"            // any other share of a whole
	Growth          = "growth"           // a rate or multiple of growth, not a size
	ViewingTime     = "viewing_time"     // time spent watching, per user and day
	EpisodeLength   = "episode_length"   // length of one episode
	ProductionTime  = "production_time"  // days to prepare or shoot a title
	Jobs            = "jobs"             // jobs or people employed by the industry
	Workers         = "workers"          // extras, staff and employees at a place
	CrewSize        = "crew_size"        // people in one crew
	WorkingDays     = "working_days"     // labour input in working days
	Companies       = "companies"        // companies in the business
	Crews           = "crews"            // crews filming at a place
	TitlesReleased  = "titles_released"  // titles put online, launched, broadcast
	TitlesLicensed  = "titles_licensed"  // titles granted a distribution licence
	TitlesFiled     = "titles_filed"     // titles filed with the regulator
	TitlesProduced  = "titles_produced"  // titles made or shot
	TitlesRemoved   = "titles_removed"   // titles taken down
	Episodes        = "episodes"         // episodes of a series or taken down
	Apps            = "apps"             // apps or mini-programs
	Downloads       = "downloads"        // app downloads or installs
	Views           = "views"            // views or plays
	Followers       = "followers"        // followers or fans
	Sets            = "sets"             // filming sets or bases
	Area            = "area"             // floor space
	Rating          = "rating"           // a score out of 10
)

// metricInfo names a metric in both languages, for labels and charts.
type metricInfo struct{ en, zh string }

var metricNames = map[string]metricInfo{
	MarketSize: {"market size", "市场规模"}, OverseasRevenue: {"overseas revenue", "海外收入"},
	Revenue: {"revenue", "收入"}, BoxOffice: {"box office", "票房"}, Cost: {"production cost", "制作成本"},
	Price: {"price", "价格"}, Spending: {"spending per viewer", "用户花费"}, Funding: {"funding", "资金"},
	Users: {"users", "用户规模"}, MAU: {"monthly active users", "月活跃用户"}, DAU: {"daily active users", "日活跃用户"},
	InternetUsers: {"internet users", "网民规模"}, Penetration: {"penetration", "渗透率"},
	SharePaying: {"share of viewers paying", "付费用户占比"}, WatchFrequency: {"viewing frequency", "观看频率"},
	Retention: {"retention", "留存率"}, Share: {"share", "占比"}, Growth: {"growth", "增长"},
	ViewingTime: {"daily viewing time", "人均单日观看时长"}, EpisodeLength: {"episode length", "单集时长"},
	ProductionTime: {"production time", "制作周期"}, Jobs: {"jobs", "就业岗位"}, Workers: {"workers", "从业人员"},
	CrewSize: {"crew size", "剧组人数"}, WorkingDays: {"working days", "工日"}, Companies: {"companies", "企业数量"},
	Crews: {"crews", "剧组数量"}, TitlesReleased: {"titles released", "上线部数"}, TitlesLicensed: {"titles licensed", "获发行许可部数"},
	TitlesFiled: {"titles filed", "备案部数"}, TitlesProduced: {"titles produced", "制作部数"}, TitlesRemoved: {"titles removed", "下架部数"},
	Episodes: {"episodes", "集数"}, Apps: {"apps", "应用数量"}, Downloads: {"downloads", "下载量"}, Views: {"views", "播放量"},
	Followers: {"followers", "粉丝"}, Sets: {"sets", "场景"}, Area: {"area", "面积"}, Rating: {"rating", "评分"},
}

// MetricName names a metric in English, or in Chinese when zh.
func MetricName(metric string, zh bool) string {
	n, ok := metricNames[metric]
	if !ok {
		return metric
	}
	if zh {
		return n.zh
	}
	return n.en
}

// Units of a record beyond the figure units of knowledge/text (CNY, USD,
// percent, fold): the noun that counts.
const (
	UnitUsers       = "users"
	UnitPeople      = "people"
	UnitJobs        = "jobs"
	UnitTitles      = "titles"
	UnitEpisodes    = "episodes"
	UnitViews       = "views"
	UnitDownloads   = "downloads"
	UnitApps        = "apps"
	UnitCompanies   = "companies"
	UnitCrews       = "crews"
	UnitMinutes     = "minutes"
	UnitHours       = "hours"
	UnitDays        = "days"
	UnitSeconds     = "seconds"
	UnitWorkingDays = "working_days"
	UnitSets        = "sets"
	UnitSquareM     = "square_metres"
	UnitFollowers   = "followers"
	UnitPoints      = "points"
	UnitProvinces   = "provinces"
	UnitAccounts    = "accounts"
)

var unitNames = map[string]metricInfo{
	"CNY": {"yuan", "元"}, "USD": {"US dollars", "美元"}, "percent": {"percent", "%"}, "fold": {"times", "倍"},
	UnitUsers: {"users", "人"}, UnitPeople: {"people", "人"}, UnitJobs: {"jobs", "个岗位"}, UnitTitles: {"titles", "部"},
	UnitEpisodes: {"episodes", "集"}, UnitViews: {"views", "次"}, UnitDownloads: {"downloads", "次"}, UnitApps: {"apps", "款"},
	UnitCompanies: {"companies", "家"}, UnitCrews: {"crews", "个剧组"}, UnitMinutes: {"minutes", "分钟"}, UnitHours: {"hours", "小时"},
	UnitDays: {"days", "天"}, UnitSeconds: {"seconds", "秒"}, UnitWorkingDays: {"working days", "工日"}, UnitSets: {"sets", "个场景"}, UnitSquareM: {"square metres", "平方米"},
	UnitFollowers: {"followers", "粉丝"}, UnitPoints: {"points", "分"}, UnitProvinces: {"provinces", "个省"}, UnitAccounts: {"accounts", "个账号"},
}

// UnitName names a unit in English, or in Chinese when zh.
func UnitName(unit string, zh bool) string {
	n, ok := unitNames[unit]
	if !ok {
		return unit
	}
	if zh {
		return n.zh
	}
	return n.en
}

// enNouns maps an English noun written next to a figure to its unit.
var enNouns = map[string]string{
	"users": UnitUsers, "user": UnitUsers, "viewers": UnitUsers, "viewer": UnitUsers, "audience": UnitUsers,
	"people": UnitPeople, "persons": UnitPeople, "employees": UnitPeople, "workers": UnitPeople, "extras": UnitPeople,
	"staff": UnitPeople, "locals": UnitPeople, "performers": UnitPeople, "screenwriters": UnitPeople, "actors": UnitPeople,
	"jobs": UnitJobs, "job": UnitJobs, "roles": UnitJobs,
	"titles": UnitTitles, "series": UnitTitles, "dramas": UnitTitles, "micro-dramas": UnitTitles, "mini-dramas": UnitTitles,
	"productions": UnitTitles, "drama": UnitTitles, "micro-drama": UnitTitles,
	"episodes": UnitEpisodes, "views": UnitViews, "plays": UnitViews, "downloads": UnitDownloads, "installs": UnitDownloads,
	"apps": UnitApps, "app": UnitApps, "mini-programs": UnitApps, "companies": UnitCompanies, "firms": UnitCompanies,
	"crews": UnitCrews, "teams": UnitCrews, "minutes": UnitMinutes, "minute": UnitMinutes, "hours": UnitHours, "hour": UnitHours,
	"days": UnitDays, "day": UnitDays, "seconds": UnitSeconds, "sets": UnitSets, "bases": UnitSets, "followers": UnitFollowers, "fans": UnitFollowers,
	"provinces": UnitProvinces, "accounts": UnitAccounts, "metres": UnitSquareM, "meters": UnitSquareM,
}

// zhCounters maps the measure word or noun after a Chinese figure to its
// unit; longer entries first so that 分钟 wins over 分.
var zhCounters = []struct{ text, unit string }{
	{"个就业岗位", UnitJobs}, {"个岗位", UnitJobs}, {"个就业", UnitJobs}, {"个间接就业", UnitJobs}, {"个工日", UnitWorkingDays},
	{"个剧组", UnitCrews}, {"个微短剧剧组", UnitCrews}, {"个竖屏短剧剧组", UnitCrews}, {"个短剧剧组", UnitCrews},
	{"个场景", UnitSets}, {"个室内场景", UnitSets}, {"个省", UnitProvinces}, {"个违规小程序", UnitApps}, {"个小程序", UnitApps},
	{"个相关账号", UnitAccounts}, {"个账号", UnitAccounts}, {"个海外团队", UnitCrews}, {"个同时拍摄", UnitCrews},
	{"平方米", UnitSquareM}, {"分钟", UnitMinutes}, {"小时", UnitHours}, {"工日", UnitWorkingDays},
	{"部", UnitTitles}, {"集", UnitEpisodes}, {"家", UnitCompanies}, {"款", UnitApps}, {"人", UnitPeople}, {"名", UnitPeople},
	{"天", UnitDays}, {"次", UnitViews}, {"分", UnitPoints}, {"万粉丝", UnitFollowers},
}

// zhNounsBefore maps a noun written before a Chinese figure ("用户达5.76亿")
// to its unit.
var zhNounsBefore = []struct{ text, unit string }{
	{"月活跃用户", UnitUsers}, {"日活跃用户", UnitUsers}, {"用户", UnitUsers}, {"观众", UnitUsers}, {"网民", UnitUsers},
	{"月活", UnitUsers}, {"场景", UnitSets}, {"下载", UnitDownloads}, {"安装", UnitDownloads}, {"播放量", UnitViews}, {"观看量", UnitViews},
	{"就业", UnitJobs}, {"从业人员", UnitPeople}, {"群众演员", UnitPeople}, {"剧组", UnitCrews}, {"企业", UnitCompanies},
}

// cue is a word or phrase that tells which metric a figure measures.
type cue struct{ text, metric string }

// cues are matched case-insensitively, as whole words for Latin text.
// They serve both figures (the nearest cue wins) and Topic (the longest
// cue wins). Money, percent and count cues are apart, because "revenue"
// near a percentage is a share of revenue, not revenue.
var moneyCues = []cue{
	{"box office", BoxOffice}, {"ticket sales", BoxOffice}, {"票房", BoxOffice},
	{"cost", Cost}, {"costs", Cost}, {"budget", Cost}, {"budgets", Cost}, {"invested", Cost}, {"investment", Cost},
	{"成本", Cost}, {"预算", Cost}, {"投资", Cost}, {"投入", Cost},
	{"rent", Price}, {"hiring", Price}, {"hire", Price}, {"for each hour", Price}, {"a day", Price}, {"起价", Price}, {"场租", Price}, {"另收", Price}, {"每天可达", Price},
	{"spend", Spending}, {"<spending", Spending}, {"pay to unlock", Spending}, {"pay to see", Spending}, {"每月花费", Spending}, {"花费", Spending},
	{"fund", Funding}, {"引导资金", Funding}, {"引导经费", Funding}, {"经费", Funding},
	{"market", MarketSize}, {"market size", MarketSize}, {"industry", MarketSize}, {"sector", MarketSize}, {"revenue", MarketSize},
	{"worth", MarketSize}, {"output value", MarketSize}, {"industry scale", MarketSize}, {"earned", MarketSize},
	{"市场规模", MarketSize}, {"市场", MarketSize}, {"产业规模", MarketSize}, {"规模", MarketSize}, {"收入", MarketSize},
	{"产值", MarketSize}, {"产业", MarketSize}, {"行业", MarketSize}, {"营收", MarketSize}, {"流水", MarketSize},
	{"billings", MarketSize}, {"took", Revenue}, {"earn", Revenue}, {"payouts", Revenue}, {"分账", Revenue},
}

// overseasCues in a money figure's clause make it overseas revenue;
// overseasWords do so anywhere in its sentence.
var overseasCues = []string{"overseas", "abroad", "outside china", "beyond china", "worldwide", "海外", "出海", "全球",
	"in-app", "内购", "american", "the us", "united states", "美国", "short drama apps", "短剧应用"}

var overseasWords = []string{"overseas", "abroad", "海外", "出海"}

var percentCues = []cue{
	{"<up", Growth}, {"<down", Growth}, {"jump of", Growth}, {"year on year", Growth}, {"on the year", Growth},
	{">more", Growth}, {">less", Growth}, {">higher", Growth}, {">above", Growth}, {"growth", Growth}, {"growing", Growth},
	{"a year", Growth}, {"<rose", Growth}, {"<grew", Growth}, {"<fell", Growth}, {"<climbed", Growth}, {"<多", Growth}, {"<增长", Growth},
	{"made up", Share}, {"make up", Share}, {"account for", Share}, {"accounted for", Share}, {"on 2024", Growth}, {"on a year earlier", Growth}, {"compound annual", Growth},
	{"同比", Growth}, {"增长", Growth}, {"增速", Growth}, {"多出", Growth}, {"高出", Growth}, {"下降", Growth}, {"比2024年多", Growth}, {"较1月", Growth}, {"年均", Growth},
	{"年复合", Growth}, {"比1月少", Growth}, {"比上年", Growth},
	{"pay", SharePaying}, {"paid", SharePaying}, {"付费", SharePaying}, {"spend money", SharePaying}, {"paying", SharePaying}, {"付过费", SharePaying}, {"交易", SharePaying},
	{"penetration", Penetration}, {"渗透率", Penetration}, {"of internet users", Penetration}, {"internet users", Penetration}, {"网民", Penetration}, {"覆盖", Penetration},
	{"retention", Retention}, {"still active", Retention}, {"kept", Retention}, {"留存", Retention}, {"仍有", Retention}, {"只剩", Retention},
	{"every day", WatchFrequency}, {"daily", WatchFrequency}, {"a week", WatchFrequency}, {"often watch", WatchFrequency},
	{"每天", WatchFrequency}, {"每周", WatchFrequency}, {"经常观看", WatchFrequency}, {"经常看", WatchFrequency}, {"几乎每天", WatchFrequency}, {"heavy viewers", WatchFrequency}, {"深度用户", WatchFrequency},
}

var countCues = []cue{
	{"monthly active", MAU}, {"月活", MAU}, {"月活跃", MAU}, {"每月活跃", MAU},
	{"daily active", DAU}, {"日活", DAU}, {"日活跃", DAU},
	{"internet users", InternetUsers}, {"网民", InternetUsers},
	{"jobs", Jobs}, {"employed", Jobs}, {"employ", Jobs}, {"就业", Jobs}, {"岗位", Jobs}, {"labour", Jobs},
	{"crew", CrewSize}, {"crews now", CrewSize}, {"teams had", CrewSize}, {"剧组规模", CrewSize}, {"团队", CrewSize}, {"一个剧组有", CrewSize},
	{"extras", Workers}, {"employees", Workers}, {"support workers", Workers}, {"从业人员", Workers}, {"群众演员", Workers}, {"群演", Workers}, {"配套服务", Workers},
	{"licensed", TitlesLicensed}, {"licences", TitlesLicensed}, {"licence", TitlesLicensed}, {"发行许可", TitlesLicensed},
	{"filed", TitlesFiled}, {"备案", TitlesFiled},
	{"took down", TitlesRemoved}, {"taken down", TitlesRemoved}, {"removed", TitlesRemoved}, {"pulled offline", TitlesRemoved}, {"下架", TitlesRemoved},
	{"came out", TitlesReleased}, {"released", TitlesReleased}, {"went online", TitlesReleased}, {"put", TitlesReleased}, {"online", TitlesReleased},
	{"broadcast", TitlesReleased}, {"launched", TitlesReleased}, {"上线", TitlesReleased}, {"推出", TitlesReleased}, {"播出", TitlesReleased},
	{"made", TitlesProduced}, {"produced", TitlesProduced}, {"shot", TitlesProduced}, {"output", TitlesProduced}, {"turning out", TitlesProduced},
	{"produce", TitlesProduced}, {"taken in", TitlesProduced}, {"filming", TitlesProduced},
	{"制作", TitlesProduced}, {"拍摄", TitlesProduced}, {"出品", TitlesProduced}, {"产量", TitlesProduced}, {"承接", TitlesProduced}, {"创作", TitlesProduced},
	{"watch", ViewingTime}, {"spent", ViewingTime}, {"time spent", ViewingTime}, {"使用时长", ViewingTime}, {"观看", ViewingTime}, {"a day", ViewingTime},
	{"episodes", EpisodeLength}, {"episode", EpisodeLength}, {"单集", EpisodeLength}, {"每集", EpisodeLength},
	{"shooting", ProductionTime}, {"shoots", ProductionTime}, {"film", ProductionTime}, {"preparation", ProductionTime}, {"takes", ProductionTime},
	{"拍摄周期", ProductionTime}, {"筹备", ProductionTime}, {"拍完", ProductionTime},
}

// unitMetric is the metric a count in a unit measures when no cue decides.
var unitMetric = map[string]string{
	UnitUsers: Users, UnitJobs: Jobs, UnitTitles: TitlesReleased, UnitEpisodes: Episodes, UnitViews: Views,
	UnitDownloads: Downloads, UnitApps: Apps, UnitCompanies: Companies, UnitCrews: Crews, UnitWorkingDays: WorkingDays,
	UnitSets: Sets, UnitSquareM: Area, UnitFollowers: Followers, UnitPoints: Rating, UnitMinutes: ViewingTime,
	UnitHours: ViewingTime, UnitDays: ProductionTime, UnitSeconds: EpisodeLength,
}

// unitCues are the metrics each count unit may measure; a cue for any
// other metric is ignored.
var unitCues = map[string][]string{
	UnitUsers:   {MAU, DAU, InternetUsers},
	UnitPeople:  {Jobs, CrewSize, Workers},
	UnitTitles:  {TitlesLicensed, TitlesFiled, TitlesRemoved, TitlesReleased, TitlesProduced},
	UnitMinutes: {ViewingTime, EpisodeLength},
	UnitHours:   {ViewingTime, EpisodeLength, ProductionTime},
	UnitDays:    {ProductionTime},
	UnitSeconds: {EpisodeLength},
}

// subjects are the glossary entities a figure can be about, apart from
// the whole market: apps, platforms, titles and places. Publishers,
// regulators and research firms are sources, not subjects, and are left
// out. A figure about Hongguo's monthly users is not the market's users:
// Match keeps them apart. The value says whether the subject is abroad:
// money of an app abroad is its revenue, money of a market abroad
// (united-states) is overseas revenue.
var subjects = map[string]bool{
	"hongguo": false, "kuaishou": false, "douyin": false, "bilibili": false, "youku": false, "hema-theatre": false,
	"iqiyi": false, "tencent-video": false, "mango-tv": false, "wechat-channels": false, "xifan": false, "taobao": false,
	"hengdian": false, "hengdian-world-studios": false, "hengdian-vertical-centre": false, "zhengzhou": false,
	"shanghai": false, "shanghai-short-video-center": false, "quzhou": false, "zhongtong": false, "jiading": false,
	"the-family-we-build": false, "take-me-home": false, "shengxia-fendela": false, "maoxing-langya": false,
	"reelshort": true, "dramabox": true, "shorttv": true, "shortmax": true, "tiktok": true, "netflix": true, "squid-game": true,
	"united-states": true, "japan": true, "indonesia": true, "southeast-asia": true, "europe": true, "latin-america": true,
}

// canonicalSubject folds the glossary's several names of one place into
// one entity.
var canonicalSubject = map[string]string{
	"hengdian-world-studios": "hengdian", "hengdian-vertical-centre": "hengdian", "shanghai-short-video-center": "shanghai",
	"jiading": "shanghai", "squid-game": "netflix",
}

func isPlace(entity string) bool {
	switch entity {
	case "united-states", "japan", "indonesia", "southeast-asia", "europe", "latin-america":
		return true
	}
	return false
}

// isCity reports a Chinese city or production base: its money is its
// own industry's, not the national market's.
func isCity(entity string) bool {
	switch entity {
	case "shanghai", "zhengzhou", "hengdian", "quzhou", "zhongtong":
		return true
	}
	return false
}

// marketWords, in the clause that names a place, make the place the
// market an amount is about.
var marketWords = []string{"market", "measures", "市场", "产业", "举措"}

// appWords, in the clause that names an app or platform, make it the
// subject of an amount in another clause.
var appWords = []string{"app", "platform", "应用", "平台"}

// wholeMarketWords in an amount's own clause say it is about the whole
// market, whatever the sentence names elsewhere.
var wholeMarketWords = []string{"china", "chinese", "industry", "market", "中国", "全国", "行业", "市场"}

// glossaryMetrics maps the glossary's metric entries to metric ids, by
// the kind of figure they can describe.
var glossaryMetrics = map[string]map[string]string{
	"money": {
		"market-size": MarketSize, "revenue": MarketSize, "net-revenue": MarketSize, "gross-billings": MarketSize,
		"in-app-revenue": MarketSize, "ad-revenue": MarketSize, "output-value": MarketSize, "box-office": BoxOffice,
		"cost": Cost, "arpu": Spending,
	},
	"percent": {
		"market-share": Share, "paying-users": SharePaying, "heavy-users": WatchFrequency, "internet-users": Penetration,
		"penetration": Penetration, "retention": Retention, "cagr": Growth, "year-on-year": Growth,
	},
	"count": {
		"mau": MAU, "dau": DAU, "internet-users": InternetUsers, "jobs": Jobs, "crew": CrewSize, "output": TitlesProduced,
		"production-cycle": ProductionTime, "time-spent": ViewingTime, "episode-length": EpisodeLength,
	},
	"topic": {
		"market-size": MarketSize, "revenue": MarketSize, "gross-billings": MarketSize, "output-value": MarketSize,
		"in-app-revenue": OverseasRevenue, "box-office": BoxOffice, "cost": Cost, "arpu": Spending,
		"users": Users, "mau": MAU, "dau": DAU, "internet-users": InternetUsers, "penetration": Penetration,
		"paying-users": SharePaying, "heavy-users": WatchFrequency, "retention": Retention, "time-spent": ViewingTime,
		"growth": Growth, "year-on-year": Growth, "cagr": Growth, "market-share": Share, "views": Views, "downloads": Downloads,
		"jobs": Jobs, "companies": Companies, "crew": Crews, "title": TitlesReleased, "output": TitlesProduced,
		"episode": Episodes, "episode-length": EpisodeLength, "production-cycle": ProductionTime,
	},
}

// mention is a glossary term found in a sentence.
type mention struct {
	start, end int
	id         string
}

// glossaryMentions finds the glossary's metric terms and subject
// entities in s.
func glossaryMentions(s string) (metrics, ents []mention) {
	for _, m := range glossary.Default().Find(s) {
		switch m.Entry.Kind {
		case glossary.Metric:
			metrics = append(metrics, mention{m.Start, m.End, m.Entry.ID})
		case glossary.Entity:
			if _, ok := subjects[m.Entry.ID]; ok {
				id := m.Entry.ID
				if c, ok := canonicalSubject[id]; ok {
					id = c
				}
				ents = append(ents, mention{m.Start, m.End, id})
			}
		}
	}
	return metrics, ents
}

// nearestEntity returns the subject named nearest to the figure starting
// at fs within [lo, hi), and whether it is abroad.
func nearestEntity(ents []mention, lo, hi, fs int) (string, bool) {
	best, bestD := "", -1
	for _, e := range ents {
		if e.start < lo || e.end > hi {
			continue
		}
		d := fs - e.end
		if e.start >= fs {
			d = e.start - fs
		}
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD = e.id, d
		}
	}
	if best == "" {
		return "", false
	}
	abroad := subjects[best]
	if best == "hengdian" || best == "shanghai" {
		abroad = false
	}
	return best, abroad
}

// topicCues read a metric from a question; the longest match wins.
var topicCues = []cue{
	{"market size", MarketSize}, {"market", MarketSize}, {"industry size", MarketSize}, {"how big", MarketSize}, {"revenue", MarketSize},
	{"worth", MarketSize}, {"市场规模", MarketSize}, {"市场", MarketSize}, {"规模", MarketSize}, {"产值", MarketSize}, {"收入", MarketSize},
	{"overseas revenue", OverseasRevenue}, {"overseas market", OverseasRevenue}, {"revenue abroad", OverseasRevenue}, {"海外收入", OverseasRevenue},
	{"海外市场", OverseasRevenue}, {"出海", OverseasRevenue}, {"海外", OverseasRevenue}, {"overseas", OverseasRevenue},
	{"box office", BoxOffice}, {"票房", BoxOffice}, {"production cost", Cost}, {"cost", Cost}, {"budget", Cost}, {"成本", Cost},
	{"users", Users}, {"viewers", Users}, {"watch", Users}, {"观看", Users}, {"audience", Users}, {"用户", Users}, {"观众", Users}, {"用户规模", Users},
	{"monthly active users", MAU}, {"monthly users", MAU}, {"mau", MAU}, {"月活", MAU}, {"月活跃用户", MAU},
	{"daily active users", DAU}, {"daily users", DAU}, {"dau", DAU}, {"日活", DAU},
	{"penetration", Penetration}, {"渗透率", Penetration}, {"share of viewers paying", SharePaying}, {"pay", SharePaying},
	{"paying", SharePaying}, {"付费", SharePaying}, {"retention", Retention}, {"留存", Retention},
	// Questions name the payers by who they are ("what share of viewers
	// pay"), the length by "an episode", the downloads by the verb: each
	// longer than the word it would otherwise lose to.
	{"viewers pay", SharePaying}, {"viewers who pay", SharePaying}, {"users pay", SharePaying}, {"users who pay", SharePaying},
	{"付费比例", SharePaying}, {"an episode", EpisodeLength}, {"each episode", EpisodeLength}, {"单集", EpisodeLength},
	{"downloaded", Downloads}, {"apps overseas", Apps}, {"apps abroad", Apps}, {"overseas apps", Apps},
	{"viewing time", ViewingTime}, {"time spent", ViewingTime}, {"how long", ViewingTime}, {"使用时长", ViewingTime}, {"观看时长", ViewingTime},
	{"jobs", Jobs}, {"employment", Jobs}, {"就业", Jobs}, {"岗位", Jobs}, {"companies", Companies}, {"企业", Companies},
	{"crews", Crews}, {"剧组", Crews}, {"titles licensed", TitlesLicensed}, {"licensed", TitlesLicensed}, {"发行许可", TitlesLicensed},
	{"filed", TitlesFiled}, {"备案", TitlesFiled}, {"titles released", TitlesReleased}, {"released", TitlesReleased}, {"上线", TitlesReleased},
	{"titles produced", TitlesProduced}, {"produced", TitlesProduced}, {"how many micro-dramas", TitlesReleased}, {"部数", TitlesReleased},
	{"taken down", TitlesRemoved}, {"removed", TitlesRemoved}, {"下架", TitlesRemoved},
	{"downloads", Downloads}, {"下载", Downloads}, {"views", Views}, {"播放量", Views}, {"growth", Growth}, {"增长", Growth}, {"增速", Growth},
	{"apps", Apps}, {"应用数量", Apps}, {"episode length", EpisodeLength}, {"单集时长", EpisodeLength},
}

// Query is what a question asks of the figure table: a metric, and a
// period and an entity when it names them.
type Query struct {
	Metric string `json:"metric"`
	// Period is the period named, if any ("2024" in "2024年微短剧市场规模").
	Period Period `json:"period,omitzero"`
	// Entity scopes the metric to one app, company or place ("hongguo");
	// empty means the whole market. "Hongguo monthly users" must not be
	// answered with the market's users, nor the other way round.
	Entity string `json:"entity,omitempty"`
}

// Topic reads a metric, and a period and an entity when named, from a
// question or a topic in English or Chinese: the longest metric term wins,
// whether the glossary's or one of topicCues ("monthly active users" over
// "users"). A question about a platform ("Hongguo monthly users") is
// scoped to it, so that it is not answered with the whole market's
// figures; its "market size" is its revenue and its "users" its monthly
// actives. ok is false when no metric is recognised.
func Topic(text string) (Query, bool) {
	low := asciiLower(text)
	var q Query
	best := 0
	for _, c := range topicCues {
		if len(c.text) > best && containsCue(low, c.text) {
			q.Metric, best = c.metric, len(c.text)
		}
	}
	metrics, ents := glossaryMentions(text)
	for _, m := range metrics {
		if id, ok := glossaryMetrics["topic"][m.id]; ok && m.end-m.start > best {
			q.Metric, best = id, m.end-m.start
		}
	}
	if e, _ := nearestEntity(ents, 0, len(text), 0); e != "" {
		q.Entity = e
		switch q.Metric {
		case MarketSize:
			q.Metric = Revenue
		case Users:
			q.Metric = MAU
		}
		if isPlace(e) && (q.Metric == Revenue || q.Metric == OverseasRevenue) {
			q.Metric = OverseasRevenue
		}
	}
	if spans, _ := findPeriods(text); len(spans) > 0 {
		q.Period = spans[0].p
	}
	return q, q.Metric != ""
}

// asciiLower lower-cases ASCII letters only, so that byte offsets into
// the result are offsets into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// containsCue reports whether low holds cue, as a whole word when cue is
// Latin.
func containsCue(low, cue string) bool {
	return indexCue(low, cue, 0) >= 0
}

func indexCue(low, cue string, from int) int {
	for from <= len(low) {
		i := strings.Index(low[from:], cue)
		if i < 0 {
			return -1
		}
		i += from
		if wordBounded(low, i, i+len(cue)) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isASCIILetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// wordBounded reports whether low[i:j] is not part of a longer Latin word.
func wordBounded(low string, i, j int) bool {
	if i > 0 && isASCIILetter(low[i]) && isASCIILetter(low[i-1]) {
		return false
	}
	if j < len(low) && isASCIILetter(low[j-1]) && isASCIILetter(low[j]) {
		// allow plural and possessive endings of the cue's last word
		rest := low[j:]
		if !(strings.HasPrefix(rest, "s") && (j+1 == len(low) || !isASCIILetter(low[j+1]))) {
			return false
		}
	}
	return true
}

// nearestCue finds the cue nearest to the figure at [fs, fe) within
// [lo, hi) of low; before says the cue must come before the figure.
// It returns the metric and the distance in bytes (-1 when none).
func nearestCue(low string, lo, hi, fs, fe int, cues []cue, allowed []string, extra ...mention) (string, int) {
	best, bestD, bestLen := "", -1, 0
	// extra are glossary terms already mapped to metric ids (in id).
	for _, m := range extra {
		if m.start < lo || m.end > hi || allowed != nil && !contains(allowed, m.id) {
			continue
		}
		var d int
		switch {
		case m.end <= fs:
			d = fs - m.end
		case m.start >= fe:
			d = m.start - fe
		default:
			continue
		}
		if bestD < 0 || d < bestD || d == bestD && m.end-m.start > bestLen {
			best, bestD, bestLen = m.id, d, m.end-m.start
		}
	}
	for _, c := range cues {
		if allowed != nil && !contains(allowed, c.metric) {
			continue
		}
		// "<up": only right before the figure ("up 34.9%", not "made up
		// 37.3%"); ">more": only right after it ("35.4% more", not "more
		// than 50%").
		txt, dir := c.text, byte(0)
		if txt[0] == '<' || txt[0] == '>' {
			txt, dir = txt[1:], txt[0]
		}
		for i := indexCue(low[:hi], txt, lo); i >= 0; i = indexCue(low[:hi], txt, i+1) {
			var d int
			switch {
			case i+len(txt) <= fs && dir != '>':
				d = fs - (i + len(txt))
			case i >= fe && dir != '<':
				d = i - fe
			default:
				continue // inside the figure, or on the wrong side
			}
			if dir != 0 && d > 2 {
				continue
			}
			if bestD < 0 || d < bestD || d == bestD && len(txt) > bestLen {
				best, bestD, bestLen = c.metric, d, len(txt)
			}
		}
	}
	return best, bestD
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Metrics lists the metric ids, sorted.
func Metrics() []string {
	out := make([]string, 0, len(metricNames))
	for m := range metricNames {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
