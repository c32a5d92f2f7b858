package text

import "strings"

// irregular maps inflected forms of common English irregular verbs to
// their base form, which Porter's suffix stripping cannot reach ("ran" and
// "run", "found" and "find").
var irregular = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(irregularVerbs, "\n") {
		f := strings.Fields(line)
		for _, form := range f[min(1, len(f)):] {
			if _, taken := m[form]; !taken && form != f[0] {
				m[form] = f[0]
			}
		}
	}
	return m
}()

// base past participle... (one verb a line)
const irregularVerbs = `arise arose arisen
awake awoke awoken
bear bore born borne
beat beaten
become became
begin began begun
bend bent
bite bit bitten
bleed bled
blow blew blown
break broke broken
breed bred
bring brought
broadcast broadcasted
build built
burn burnt
buy bought
catch caught
choose chose chosen
cling clung
come came
creep crept
deal dealt
dig dug
do did done does
draw drew drawn
dream dreamt
drink drank drunk
drive drove driven
eat ate eaten
fall fell fallen
feed fed
feel felt
fight fought
find found
flee fled
fly flew flown
forbid forbade forbidden
forget forgot forgotten
forgive forgave forgiven
freeze froze frozen
get got gotten
give gave given
go went gone goes
grow grew grown
hang hung
have had has
hear heard
hide hid hidden
hold held
keep kept
kneel knelt
know knew known
lay laid
lead led
lean leant
leap leapt
learn learnt
leave
lend lent
lie lain
light lit
lose lost
make made
mean meant
meet met
overcome overcame
pay paid
prove proven
ride rode ridden
ring rang rung
rise rose risen
run ran
say said
see saw seen
seek sought
sell sold
send sent
shake shook shaken
shine shone
shoot shot
show shown
shrink shrank shrunk
sing sang sung
sink sank sunk
sit sat
slay slew slain
sleep slept
slide slid
speak spoke spoken
spend spent
spin spun
spring sprang sprung
stand stood
steal stole stolen
stick stuck
sting stung
stink stank stunk
stride strode stridden
strike struck stricken
strive strove striven
swear swore sworn
sweep swept
swim swam swum
swing swung
take took taken
teach taught
tear tore torn
tell told
think thought
throw threw thrown
tread trod trodden
undergo underwent undergone
understand understood
undertake undertook undertaken
wake woke woken
wear wore worn
weave wove woven
weep wept
win won
withdraw withdrew withdrawn
write wrote written
be was were been am is are
child children
man men
woman women
mouse mice
foot feet
tooth teeth
person people`
