// Package chart draws a metric's figures over time as a PNG: one series
// per producer of the figures, forecasts dashed with hollow markers,
// reported figures solid with filled ones, the unit on the axis and the
// sources named under the chart. It is the only importer of gonum's plot
// library.
//
// Labels follow the question's language. Chinese labels use an embedded
// subset of Noto Sans CJK SC (SIL Open Font License 1.1, see
// NotoSansSC-LICENSE.txt) holding only the glyphs the chart's own words,
// the metric and unit names and the corpus's producers and publishers
// need (gen.go makes it); a character outside it is left out of the label
// rather than drawn as a box.
package chart

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"dramabot/knowledge/records"
)

// ErrTooFew reports a metric with fewer than two dated figures in its
// main unit: one figure is a sentence, not a chart.
var ErrTooFew = errors.New("chart: fewer than two dated figures to draw")

// Size limits of a chart, in pixels.
const (
	Width     = 1000
	MinWidth  = 800
	MinHeight = 450
	plotH     = 520 // the plot above the sources
	// maxLegendW bounds the legend's column right of the plot; the plot
	// keeps the rest of Width. Pixels cost time: encoding the PNG is most
	// of a chart's.
	maxLegendW = 330
	lineH      = 18 // one line of sources
	maxSource  = 10 // source lines; more are counted in one last line
	dpi        = 96
)

// Options says how to draw.
type Options struct {
	// Chinese labels (the question was asked in Chinese).
	Chinese bool
	// Entity scopes the chart to the figures about one app, company or
	// place (a records entity id, "hongguo"); empty draws the whole
	// market's. It is named in the title.
	Entity string
}

// Result is a drawn chart and what it shows.
type Result struct {
	PNG           []byte
	Width, Height int
	// Unit is the unit on the axis: the unit most of the metric's figures
	// are in. Figures in other units are left out, never converted, and
	// counted in Omitted; the chart says so under its sources.
	Unit    string
	Metric  string
	Series  int // one a producer
	Points  int // reported and forecast figures drawn
	Omitted int
}

// Render draws the records of one metric over time, of the entity the
// options name (none: the whole market). Records of other metrics or
// entities and records without a period are ignored.
func Render(rs []records.Record, metric string, opt Options) (Result, error) {
	var scoped []records.Record
	for _, r := range rs {
		if r.Entity == opt.Entity {
			scoped = append(scoped, r)
		}
	}
	timeline := records.Timeline(scoped, metric)
	if len(timeline) == 0 || len(timeline[0].Records) < 2 {
		return Result{}, ErrTooFew
	}
	main := timeline[0]
	res := Result{Unit: main.Unit, Metric: metric}
	for _, s := range timeline[1:] {
		res.Omitted += len(s.Records)
	}
	// Amounts are flows: when a metric has yearly figures, a figure for
	// January to August beside them would read as a fall. Only years are
	// drawn then; the others are counted as left out.
	var parts int
	main.Records, parts = yearsOnly(main.Records)
	res.Omitted += parts
	fonts, err := loadFonts()
	if err != nil {
		return Result{}, err
	}
	face := fonts.latin
	if opt.Chinese {
		face = fonts.cjk
	}
	scale := pickScale(main.Unit, maxValue(main.Records), opt.Chinese)

	// One series a producer, in the order they first report.
	type series struct {
		name               string
		reported, forecast plotter.XYs
		sources            []string
	}
	var order []*series
	byName := map[string]*series{}
	minX, maxX := math.Inf(1), math.Inf(-1)
	for _, r := range main.Records {
		x, ok := periodX(r.Period)
		if !ok {
			continue
		}
		name := face.fit(r.Source.Name())
		if name == "" {
			name = face.fit(r.Source.Publisher)
		}
		// "iiMedia Research" and "iiMedia Research (艾媒咨询)" are one
		// producer, and so are a regulator and its deputy head.
		key := producerKey(name)
		s := byName[key]
		if s == nil {
			s = &series{name: name}
			byName[key] = s
			order = append(order, s)
		}
		if len(name) < len(s.name) {
			s.name = name
		}
		pt := plotter.XY{X: x, Y: value(r) / scale.div}
		if r.Forecast {
			s.forecast = append(s.forecast, pt)
		} else {
			s.reported = append(s.reported, pt)
		}
		src := face.fit(sourceNote(r))
		if !contains(s.sources, src) {
			s.sources = append(s.sources, src)
		}
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		res.Points++
	}
	if res.Points < 2 {
		return Result{}, ErrTooFew
	}
	res.Series = len(order)

	p := plot.New()
	style(p, face)
	p.Title.Text = face.fit(title(metric, opt))
	p.Title.Padding = vg.Points(6)
	p.Y.Label.Text = face.fit(scale.label)
	p.Y.Min = 0
	p.Y.Max = maxValue(main.Records) / scale.div * 1.12 // room above the highest point for the legend
	p.X.Min, p.X.Max = math.Floor(minX)-0.25, math.Ceil(maxX)+0.25
	p.X.Tick.Marker = yearTicks{}
	p.Add(plotter.NewGrid())
	// The legend gets a column of its own right of the plot: with a dozen
	// producers it would cover the points.
	legend := plot.NewLegend()
	legend.TextStyle = text.Style{Font: face.font(vg.Points(10)), Handler: face.handler, Color: color.Black}
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(2)
	for i, s := range order {
		c := palette[i%len(palette)]
		shape := shapes[(i/len(palette))%len(shapes)]
		for _, part := range []struct {
			pts      plotter.XYs
			forecast bool
		}{{s.reported, false}, {s.forecast, true}} {
			if len(part.pts) == 0 {
				continue
			}
			sort.Slice(part.pts, func(a, b int) bool { return part.pts[a].X < part.pts[b].X })
			line, points, err := plotter.NewLinePoints(part.pts)
			if err != nil {
				return Result{}, fmt.Errorf("chart: %w", err)
			}
			line.Color = c
			line.Width = vg.Points(1.8)
			points.Color = c
			points.Radius = vg.Points(4)
			points.Shape = shape.filled
			if part.forecast {
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
				points.Shape = shape.hollow
				points.Radius = vg.Points(4.5)
			}
			if len(part.pts) > 1 {
				p.Add(line)
			}
			p.Add(points)
			if !part.forecast || len(s.reported) == 0 {
				legend.Add(clip(s.name, face, legend.TextStyle.Font, px(maxLegendW)-legend.ThumbnailWidth-px(24)), line, points)
			}
		}
	}
	if hasForecast(main.Records) {
		gray := color.Gray{Y: 110}
		l, sc, _ := plotter.NewLinePoints(plotter.XYs{{}})
		l.Color, sc.Color = gray, gray
		l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		sc.Shape, sc.Radius = draw.RingGlyph{}, vg.Points(4.5)
		legend.Add(face.fit(words(opt.Chinese).forecast), l, sc)
	}

	// The sources under the plot.
	var lines []string
	lines = append(lines, words(opt.Chinese).sources)
	for _, s := range order {
		lines = append(lines, face.fit(s.name+": "+strings.Join(s.sources, "; ")))
	}
	if len(lines) > maxSource+1 {
		more := len(lines) - maxSource
		lines = append(lines[:maxSource], fmt.Sprintf(words(opt.Chinese).more, more))
	}
	if res.Omitted > 0 {
		lines = append(lines, fmt.Sprintf(words(opt.Chinese).omitted, res.Omitted))
	}
	// Measuring the legend needs only a rectangle, not a canvas.
	probe := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: px(Width), Y: px(plotH)}}}
	lr := legend.Rectangle(probe)
	legendW := min(lr.Max.X-lr.Min.X+px(16), px(maxLegendW))
	res.Width = Width
	res.Height = plotH + (len(lines)+1)*lineH
	c := vgimg.NewWith(vgimg.UseWH(px(res.Width), px(res.Height)), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	footer := vg.Length(len(lines)+1) * px(lineH)
	p.Draw(draw.Crop(dc, 0, -legendW, footer, 0))
	legend.Draw(draw.Crop(dc, px(Width)-legendW+px(8), 0, footer, -px(40)))
	ts := draw.TextStyle{Color: color.Gray{Y: 40}, Font: face.font(10), Handler: face.handler}
	for i, l := range lines {
		y := footer - vg.Length(i+1)*px(lineH)
		dc.FillText(ts, vg.Point{X: px(12), Y: y}, clip(l, face, ts.Font, px(res.Width-24)))
	}
	// Fastest compression: a chart of flat colours stays small (about
	// 60 KB) and encoding, most of the time a chart takes, halves.
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return Result{}, fmt.Errorf("chart: encode png: %w", err)
	}
	res.PNG = buf.Bytes()
	return res, nil
}

// shapes pair a filled marker for reported figures with a hollow one for
// forecasts; past ten producers the colours repeat with the next pair.
var shapes = []struct{ filled, hollow draw.GlyphDrawer }{
	{draw.CircleGlyph{}, draw.RingGlyph{}},
	{draw.BoxGlyph{}, draw.SquareGlyph{}},
	{draw.PyramidGlyph{}, draw.TriangleGlyph{}},
}

// producerKey is a producer's name without what its brackets add.
func producerKey(name string) string {
	var b strings.Builder
	depth := 0
	for _, r := range name {
		switch r {
		case '(', '（':
			depth++
		case ')', '）':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// yearsOnly keeps only the yearly figures of amounts when there are at
// least two, and says how many others it left out.
func yearsOnly(rs []records.Record) ([]records.Record, int) {
	if len(rs) == 0 || (rs[0].Unit != "CNY" && rs[0].Unit != "USD") {
		return rs, 0
	}
	var years []records.Record
	for _, r := range rs {
		if r.Period.Kind == records.KindYear {
			years = append(years, r)
		}
	}
	if len(years) < 2 {
		return rs, 0
	}
	return years, len(rs) - len(years)
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	color.RGBA{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff}, color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

func px(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasForecast(rs []records.Record) bool {
	for _, r := range rs {
		if r.Forecast {
			return true
		}
	}
	return false
}

// value is what a record draws: a range's middle.
func value(r records.Record) float64 {
	if r.High > r.Value {
		return (r.Value + r.High) / 2
	}
	return r.Value
}

func maxValue(rs []records.Record) float64 {
	m := 0.0
	for _, r := range rs {
		m = math.Max(m, math.Max(r.Value, r.High))
	}
	return m
}

// periodX places a period on the time axis, in years: the middle of the
// months it covers (2024 is 2024.5), the end of its month for an as-of
// date.
func periodX(p records.Period) (float64, bool) {
	from, ok1 := monthIndex(p.From)
	to, ok2 := monthIndex(p.To)
	if !ok1 || !ok2 {
		return 0, false
	}
	if p.Kind == records.KindAsOf {
		return (to + 1) / 12, true
	}
	return (from + to + 1) / 2 / 12, true
}

// monthIndex turns YYYY-MM[-DD] into months since year 0.
func monthIndex(s string) (float64, bool) {
	if len(s) < 7 {
		return 0, false
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:7])
	if err1 != nil || err2 != nil || m < 1 || m > 12 {
		return 0, false
	}
	return float64(y*12 + m - 1), true
}

// yearTicks labels each whole year.
type yearTicks struct{}

func (yearTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for y := math.Ceil(min); y <= max; y++ {
		ts = append(ts, plot.Tick{Value: y + 0.5, Label: strconv.Itoa(int(y))})
		ts = append(ts, plot.Tick{Value: y})
	}
	return ts
}

// sourceNote names where one figure was published.
func sourceNote(r records.Record) string {
	s := r.Source.Publisher
	if r.Source.Date != "" {
		s += " " + r.Source.Date
	}
	return s
}

// scale divides values so that the axis reads in round units.
type scale struct {
	div   float64
	label string
}

func pickScale(unit string, max float64, zh bool) scale {
	name := records.UnitName(unit, zh)
	switch unit {
	case "CNY", "USD":
		if zh {
			if max >= 1e8 {
				return scale{1e8, "亿" + name}
			}
			return scale{1e4, "万" + name}
		}
		cur := "yuan"
		if unit == "USD" {
			cur = "US dollars"
		}
		if max >= 1e9 {
			return scale{1e9, "billion " + cur}
		}
		return scale{1e6, "million " + cur}
	case "percent":
		return scale{1, "%"}
	case "fold":
		return scale{1, name}
	}
	if unit == "" {
		name = ""
	}
	switch {
	case zh && max >= 1e8:
		return scale{1e8, "亿" + name}
	case zh && max >= 1e4:
		return scale{1e4, "万" + name}
	case !zh && max >= 1e9:
		return scale{1e9, strings.TrimSpace("billion " + name)}
	case !zh && max >= 1e6:
		return scale{1e6, strings.TrimSpace("million " + name)}
	}
	return scale{1, name}
}

func title(metric string, opt Options) string {
	t := records.MetricName(metric, opt.Chinese)
	if opt.Chinese {
		if t == "" {
			t = "数据"
		}
		t += "：各来源数据"
		if opt.Entity != "" {
			t = opt.Entity + " " + t
		}
		return t
	}
	if t == "" {
		t = "Figures"
	}
	t = strings.ToUpper(t[:1]) + t[1:] + ", by source"
	if opt.Entity != "" {
		t = strings.ToUpper(opt.Entity[:1]) + opt.Entity[1:] + ": " + t
	}
	return t
}

// chartWords are the chart's own words in one language.
type chartWords struct{ sources, forecast, more, omitted string }

var (
	enWords = chartWords{"Sources:", "forecast (dashed, hollow)", "…and %d more sources", "%d figures in other units or for parts of a year are not drawn (currencies are never converted)."}
	zhWords = chartWords{"来源：", "预测（虚线、空心点）", "……另有%d个来源", "另有%d个其他单位或非全年的数据未画出（货币不作换算）。"}
)

func words(zh bool) chartWords {
	if zh {
		return zhWords
	}
	return enWords
}

// style sets every text of p in face.
func style(p *plot.Plot, f *face) {
	for _, ts := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		size := ts.Font.Size
		ts.Font = f.font(size)
		ts.Handler = f.handler
	}
	p.Title.TextStyle.Font.Size = vg.Points(15)
	p.Legend.TextStyle.Font.Size = vg.Points(10)
}

// clip shortens s to fit width, with an ellipsis.
func clip(s string, f *face, fnt font.Font, width vg.Length) string {
	fc := f.handler.Fonts.Lookup(fnt, fnt.Size)
	if fc.Width(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if fc.Width(string(r)+"…") <= width {
			break
		}
	}
	return string(r) + "…"
}

// face is a typeface and the characters it can draw.
type face struct {
	typeface font.Typeface
	variant  font.Variant
	handler  text.Plain
	sf       *sfnt.Font
	buf      *sfnt.Buffer
	mu       *sync.Mutex
}

func (f *face) font(size vg.Length) font.Font {
	return font.Font{Typeface: f.typeface, Variant: f.variant, Size: size}
}

// fit drops the characters the face cannot draw, and brackets left
// empty ("iiMedia Research (艾媒咨询)" in a Latin face is "iiMedia Research").
func (f *face) fit(s string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) {
			b.WriteRune(' ')
			continue
		}
		if i, err := f.sf.GlyphIndex(f.buf, r); err == nil && i != 0 {
			b.WriteRune(r)
		}
	}
	out := b.String()
	for _, empty := range []string{"()", "（）", "《》", "\"\"", "“”"} {
		out = strings.ReplaceAll(out, empty, "")
	}
	return strings.Join(strings.Fields(out), " ")
}

type fontSet struct{ latin, cjk *face }

var (
	fontsOnce sync.Once
	fonts     fontSet
	fontsErr  error
)

//go:embed NotoSansSC-subset.otf
var notoSubset []byte

// loadFonts parses the embedded fonts once. The Latin face is plot's
// default (Liberation Sans, which gonum embeds); the Chinese one is the
// Noto subset, which also draws Latin letters and digits.
func loadFonts() (*fontSet, error) {
	fontsOnce.Do(func() {
		noto, err := opentype.Parse(notoSubset)
		if err != nil {
			fontsErr = fmt.Errorf("chart: embedded CJK font: %w", err)
			return
		}
		cache := font.NewCache(nil)
		cache.Add(font.Collection{{Font: font.Font{Typeface: "NotoSansSC"}, Face: noto}})
		latinFont := font.Font{Typeface: "Liberation", Variant: "Sans"}
		lib := plot.DefaultTextHandler.Cache().Lookup(latinFont, 10)
		cache.Add(font.Collection{{Font: latinFont, Face: lib.Face}})
		h := text.Plain{Fonts: cache}
		fonts = fontSet{
			latin: &face{typeface: "Liberation", variant: "Sans", handler: h, sf: lib.Face, buf: &sfnt.Buffer{}, mu: &sync.Mutex{}},
			cjk:   &face{typeface: "NotoSansSC", handler: h, sf: noto, buf: &sfnt.Buffer{}, mu: &sync.Mutex{}},
		}
	})
	return &fonts, fontsErr
}
