package knowledge

// The answer's limits and quoting, for the tests of package knowledge_test
// that check every answer against them.
const (
	MaxAnswerSentences = maxAnswerSentences
	MaxAnswerRunes     = maxAnswerRunes
	MaxQuestionRunes   = maxQuestionRunes
)

var StripRefMarks = stripRefMarks
