package figures_test

import (
	"strconv"

	"dramabot/knowledge/records"
)

type fakeRecords []records.Record

func (f fakeRecords) Records() []records.Record { return f }

func record(metric, unit string, v float64, year int) records.Record {
	p, _ := records.ParsePeriod(strconv.Itoa(year))
	return records.Record{Metric: metric, Unit: unit, Value: v, Text: strconv.FormatFloat(v, 'f', -1, 64), Period: p,
		Source: records.Source{Publisher: "P" + strconv.Itoa(year), Date: strconv.Itoa(year) + "-01-01"}}
}
