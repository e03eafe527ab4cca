package main

import (
	"slices"
	"strconv"
)

// The geo family: every GEO command over the keys g1..g4 (and, through
// anyKey, the string keys, so WRONGTYPE comes up), plus ZRANGE WITHSCORES
// and ZSCORE on the geo keys to compare the exact scores.
//
// Members come from a pool of 15 names. Each member has coordinates of
// its own (three choices per member, among them clustered points a few
// tens of meters apart, far points, points near the poles and near the
// antimeridian), so two members of a key never share a position: equal
// distances, whose order Redis leaves to qsort, do not come up, and
// replies are compared exactly. Radii go from 0 to more than half the
// Earth's circumference.
var (
	geoKeys    = []string{"g1", "g2", "g3", "g4"}
	geoMembers = []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11", "m12", "m13", "m14"}
	// geoCoords[i] are the positions member i may take.
	geoCoords = [][][2]string{
		{{"13.361389", "38.115556"}, {"13.3617", "38.1158"}, {"179.9991", "0.5"}},
		{{"15.087269", "37.502669"}, {"13.3609", "38.1152"}, {"-179.9992", "0.5013"}},
		{{"13.3621", "38.1149"}, {"2.3522", "48.8566"}, {"0.1", "85.04"}},
		{{"-0.1276", "51.5072"}, {"13.3605", "38.1163"}, {"-170.25", "-84.97"}},
		{{"139.6917", "35.6895"}, {"-73.9857", "40.7484"}, {"179.51", "-16.5"}},
		{{"-179.5003", "-16.4"}, {"151.2093", "-33.8688"}, {"37.6173", "55.7558"}},
		{{"45.11", "84.93"}, {"-45.07", "-84.91"}, {"13.3614", "38.1171"}},
		{{"-58.3816", "-34.6037"}, {"18.4241", "-33.9249"}, {"-0.0003", "0.0002"}},
		{{"0.0004", "-0.0001"}, {"179.99999", "85.05112878"}, {"-180", "-85.05112878"}},
		{{"100.5018", "13.7563"}, {"-122.4194", "37.7749"}, {"13.3629", "38.1161"}},
		{{"89.99", "79.99"}, {"-89.99", "66.01"}, {"91.2", "80.2"}},
		{{"12.4964", "41.9028"}, {"14.2681", "40.8518"}, {"13.3598", "38.1147"}},
		{{"-3.7038", "40.4168"}, {"-179.9", "65.95"}, {"179.93", "-66.05"}},
		{{"30.5234", "50.4501"}, {"13.4050", "52.5200"}, {"0", "0"}},
		{{"174.7633", "-36.8485"}, {"-149.9003", "61.2181"}, {"-0.5", "85.0"}},
	}
	geoBadCoords = [][2]string{{"181", "0"}, {"0", "85.06"}, {"-180.0001", "1"}, {"abc", "1"}, {"1", ""}, {"inf", "0"}, {"0", "-90"}}
	geoUnits     = []string{"m", "km", "mi", "ft", "M", "KM", "Mi", "fT"}
	// geoRadii are in meters, scaled for the unit drawn.
	geoRadii    = []float64{0, 1, 15, 50, 120, 500, 2000, 30000, 150000, 800000, 3e6, 9e6, 2.1e7}
	geoBadRadii = []string{"-1", "abc", "", "nan", "1e400"}
	// geoCentres are centres for FROMLONLAT and GEORADIUS.
	geoCentres = [][2]string{{"13.361389", "38.115556"}, {"13.3612", "38.1155"}, {"180", "0.5"}, {"-180", "0.5"}, {"179.9995", "0.5006"},
		{"0", "85"}, {"0.1", "85.05"}, {"-170", "-85"}, {"0", "0"}, {"15", "37"}, {"-179.6", "-16.45"}, {"90", "80"}, {"-90", "-66"}}
	geoUnitMeters = map[string]float64{"m": 1, "km": 1000, "mi": 1609.34, "ft": 0.3048}
)

var geoFamilyCommands = []string{
	"GEOADD", "GEODIST", "GEOHASH", "GEOPOS", "GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS", "GEORADIUS_RO",
	"GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO", "ZRANGE", "ZSCORE", "ZREM", "DEL", "SET", "MULTI", "EXEC",
}

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name:     "geo",
		keys:     slices.Concat(geoKeys, strKeys),
		gens:     geoGens,
		commands: geoFamilyCommands,
	})
}

func (g *gen) gkey() string { return g.key(geoKeys) }

func (g *gen) gmember() string {
	if g.p(0.03) {
		return "nope"
	}
	return oneOf(g, geoMembers...)
}

// gtriple is a longitude, latitude, member triple for GEOADD.
func (g *gen) gtriple() []string {
	i := g.n(len(geoMembers))
	xy := oneOf(g, geoCoords[i]...)
	if g.p(0.02) {
		xy = oneOf(g, geoBadCoords...)
	}
	return []string{xy[0], xy[1], geoMembers[i]}
}

func (g *gen) gcentre() []string {
	if g.p(0.03) {
		xy := oneOf(g, geoBadCoords...)
		return []string{xy[0], xy[1]}
	}
	if g.p(0.3) {
		xy := oneOf(g, geoCoords[g.n(len(geoCoords))]...)
		return []string{xy[0], xy[1]}
	}
	xy := oneOf(g, geoCentres...)
	return []string{xy[0], xy[1]}
}

// gunit is a unit, rarely a bad one.
func (g *gen) gunit() string {
	if g.p(0.02) {
		return oneOf(g, "yd", "", "kms")
	}
	return oneOf(g, geoUnits...)
}

// gdist is a distance in unit.
func (g *gen) gdist(unit string) string {
	if g.p(0.03) {
		return oneOf(g, geoBadRadii...)
	}
	m := oneOf(g, geoRadii...)
	if conv, ok := geoUnitMeters[lower(unit)]; ok {
		m /= conv
	}
	return strconv.FormatFloat(m, 'g', 6, 64)
}

func lower(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// gopts are the shared search options, shuffled: WITH* (unless store),
// ASC/DESC, COUNT [ANY], and a rare bad one.
func (g *gen) gopts(with bool) [][]string {
	var opts [][]string
	if with {
		for _, w := range []string{"WITHCOORD", "WITHDIST", "WITHHASH"} {
			if g.p(0.3) {
				opts = append(opts, []string{g.word(w)})
			}
		}
	}
	if g.p(0.5) {
		opts = append(opts, []string{g.word(oneOf(g, "ASC", "DESC"))})
	}
	if g.p(0.35) {
		cnt := []string{g.word("COUNT"), oneOf(g, "1", "2", "3", "5", "20")}
		if g.p(0.03) {
			cnt[1] = oneOf(g, "0", "-1", "abc")
		}
		if g.p(0.3) {
			cnt = append(cnt, g.word("ANY"))
		}
		opts = append(opts, cnt)
	}
	if g.p(0.02) {
		opts = append(opts, oneOf(g, []string{"ANY"}, []string{"FOO"}, []string{"COUNT"}, []string{"WITHDIST"}, []string{"STORE", "g1"}))
	}
	shuffle(g, opts)
	return opts
}

// gsearch builds GEOSEARCH's arguments after the key(s).
func (g *gen) gsearch(store bool) []string {
	var opts [][]string
	if !g.p(0.02) {
		if g.p(0.4) {
			opts = append(opts, []string{g.word("FROMMEMBER"), g.gmember()})
		} else {
			opts = append(opts, append([]string{g.word("FROMLONLAT")}, g.gcentre()...))
		}
	}
	if !g.p(0.02) {
		u := g.gunit()
		if g.p(0.5) {
			opts = append(opts, []string{g.word("BYRADIUS"), g.gdist(u), u})
		} else {
			opts = append(opts, []string{g.word("BYBOX"), g.gdist(u), g.gdist(u), u})
		}
	}
	if g.p(0.02) {
		opts = append(opts, oneOf(g, []string{"FROMMEMBER", "m1"}, []string{"FROMLONLAT", "1", "2"}, []string{"BYRADIUS", "1", "km"}))
	}
	opts = append(opts, g.gopts(!store || g.p(0.03))...)
	if store && g.p(0.4) {
		opts = append(opts, []string{g.word("STOREDIST")})
	}
	shuffle(g, opts)
	return flatten(nil, opts)
}

// gradius builds GEORADIUS[BYMEMBER]'s arguments after the centre.
func (g *gen) gradius(ro bool) []string {
	u := g.gunit()
	head := []string{g.gdist(u), u}
	store := !ro && g.p(0.3) || ro && g.p(0.03)
	opts := g.gopts(!store || g.p(0.03))
	if store {
		opts = append(opts, []string{g.word(oneOf(g, "STORE", "STOREDIST")), g.gkey()})
	}
	shuffle(g, opts)
	return flatten(head, opts)
}

func geoGens() []genEntry {
	keep := []string{"DEL", "SET", "MULTI"}
	var out []genEntry
	for _, e := range diffGens() {
		if slices.Contains(keep, e.name) {
			out = append(out, e)
		}
	}
	return append(out, []genEntry{
		{name: "GEOADD", weight: 40, simple: func(g *gen) step {
			args := []string{g.gkey()}
			for _, o := range []string{"NX", "XX", "CH"} {
				if g.p(0.1) {
					args = append(args, g.word(o))
				}
			}
			for i := 1 + g.n(4); i > 0; i-- {
				args = append(args, g.gtriple()...)
			}
			if g.p(0.02) {
				args = args[:len(args)-1]
			}
			return g.cmd("GEOADD", args...)
		}},
		{name: "GEODIST", weight: 10, simple: func(g *gen) step {
			args := []string{g.gkey(), g.gmember(), g.gmember()}
			if g.p(0.6) {
				args = append(args, g.gunit())
			}
			if g.p(0.02) {
				args = append(args, "km")
			}
			return g.cmd("GEODIST", args...)
		}},
		{name: "GEOHASH", weight: 6, simple: func(g *gen) step {
			args := []string{g.gkey()}
			for i := g.n(4); i > 0; i-- {
				args = append(args, g.gmember())
			}
			return g.cmd("GEOHASH", args...)
		}},
		{name: "GEOPOS", weight: 6, simple: func(g *gen) step {
			args := []string{g.gkey()}
			for i := g.n(4); i > 0; i-- {
				args = append(args, g.gmember())
			}
			return g.cmd("GEOPOS", args...)
		}},
		{name: "GEOSEARCH", weight: 30, simple: func(g *gen) step {
			return g.cmd("GEOSEARCH", append([]string{g.gkey()}, g.gsearch(false)...)...)
		}},
		{name: "GEOSEARCHSTORE", weight: 10, simple: func(g *gen) step {
			return g.cmd("GEOSEARCHSTORE", append([]string{g.gkey(), g.gkey()}, g.gsearch(true)...)...)
		}},
		{name: "GEORADIUS", weight: 12, simple: func(g *gen) step {
			return g.cmd("GEORADIUS", slices.Concat([]string{g.gkey()}, g.gcentre(), g.gradius(false))...)
		}},
		{name: "GEORADIUS_RO", weight: 6, simple: func(g *gen) step {
			return g.cmd("GEORADIUS_RO", slices.Concat([]string{g.gkey()}, g.gcentre(), g.gradius(true))...)
		}},
		{name: "GEORADIUSBYMEMBER", weight: 10, simple: func(g *gen) step {
			return g.cmd("GEORADIUSBYMEMBER", slices.Concat([]string{g.gkey(), g.gmember()}, g.gradius(false))...)
		}},
		{name: "GEORADIUSBYMEMBER_RO", weight: 6, simple: func(g *gen) step {
			return g.cmd("GEORADIUSBYMEMBER_RO", slices.Concat([]string{g.gkey(), g.gmember()}, g.gradius(true))...)
		}},
		{name: "ZRANGE", weight: 8, simple: mode(cmpScoreULP, func(g *gen) step {
			return g.cmd("ZRANGE", g.gkey(), "0", "-1", "WITHSCORES")
		})},
		{name: "ZSCORE", weight: 5, simple: mode(cmpScoreULP, func(g *gen) step { return g.cmd("ZSCORE", g.gkey(), g.gmember()) })},
		{name: "ZREM", weight: 6, simple: func(g *gen) step { return g.cmd("ZREM", g.gkey(), g.gmember(), g.gmember()) }},
		{name: "DEL geo", weight: 2, simple: func(g *gen) step { return g.cmd("DEL", g.gkey()) }},
		{name: "wrong arity", weight: 2, simple: func(g *gen) step {
			e := oneOf(g, []struct {
				name string
				n    int
			}{{"GEOADD", 4}, {"GEODIST", 3}, {"GEOHASH", 1}, {"GEOPOS", 1}, {"GEOSEARCH", 6}, {"GEOSEARCHSTORE", 7},
				{"GEORADIUS", 5}, {"GEORADIUS_RO", 5}, {"GEORADIUSBYMEMBER", 4}, {"GEORADIUSBYMEMBER_RO", 4}}...)
			args := make([]string, g.n(e.n))
			for i := range args {
				args[i] = g.gkey()
			}
			return g.cmd(e.name, args...)
		}},
	}...)
}
