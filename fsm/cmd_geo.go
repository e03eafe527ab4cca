package fsm

import (
	"slices"
	"strconv"
)

// The GEO commands (Redis's "geo" group). A geo set is a sorted set whose
// scores are 52-bit geohashes (geo.go): there is no type of its own, and
// every sorted-set command works on it.
//
// GEOADD is ZADD with the coordinates turned into scores, as in Redis
// (which rewrites the command into a ZADD): its argument errors are all
// found before proposing, and its reply, versioning and encoding are
// ZADD's. GEODIST's unit is checked before the key, as in Redis.
//
// The search commands (GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
// GEORADIUSBYMEMBER and the _RO forms) look their key up first, as Redis's
// georadiusGeneric does: WRONGTYPE wins over any argument error, and
// GEORADIUSBYMEMBER's member is looked up before its radius is parsed. So
// nothing but the arity is checked before proposing, and a STORE entry
// with a bad option can reach the log, where it changes nothing.
//
// GEORADIUS and GEORADIUSBYMEMBER are write commands even without STORE,
// as Redis 7.0 registers them (COMMAND INFO says write, denyoom): the
// table has one flag per command, and a read-only row could not STORE.
// So they go through the log like ZRANGESTORE; their _RO forms are the
// reads.
//
// Results are sorted by distance only, from the candidates in the order
// Redis collects them (the cells centre, N, S, E, W, NE, NW, SE, SW; each
// in score order), as Redis sorts them: glibc's qsort (a stable merge
// sort), or with a COUNT smaller than the result its own partial
// quicksort (pqsort, shared with SORT), so that members at exactly the
// same distance come out in Redis's order.
func init() {
	register([]Command{
		{Name: "geoadd", Syntax: "key [NX | XX] [CH:change] longitude:double latitude:double member [longitude:double latitude:double member ...]", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Adds members with their coordinates to a geospatial index; creates the key if needed.", Fn: cmdGeoAdd},
		{Name: "geodist", Syntax: "key member1 member2 [M | KM | FT | MI]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Returns the distance between two members of a geospatial index.", Fn: cmdGeoDist},
		{Name: "geohash", Syntax: "key [member [member ...]]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Returns members of a geospatial index as geohash strings.", Fn: cmdGeoHash},
		{Name: "geopos", Syntax: "key [member [member ...]]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Returns the longitude and latitude of members of a geospatial index.", Fn: cmdGeoPos},
		{Name: "geosearch", Syntax: "key <FROMMEMBER member | FROMLONLAT longitude:double latitude:double> <(BYRADIUS radius:double) <M | KM | FT | MI> | (BYBOX width:double) height:double <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]", Arity: -7, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Queries a geospatial index for members inside an area of a box or a circle.", Fn: cmdGeoSearch},
		{Name: "geosearchstore", Syntax: "destination source <FROMMEMBER member | FROMLONLAT longitude:double latitude:double> <(BYRADIUS radius:double) <M | KM | FT | MI> | (BYBOX width:double) height:double <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]", Arity: -8, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "geo", Summary: "Queries a geospatial index for members inside an area of a box or a circle, and stores the result in a key.", Fn: cmdGeoSearchStore},
		{Name: "georadius", Syntax: "key longitude:double latitude:double radius:double <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]", Arity: -6, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", Fn: cmdGeoRadius},
		{Name: "georadius_ro", Syntax: "key longitude:double latitude:double radius:double <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]", Arity: -6, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Returns members of a geospatial index that are within a distance from a coordinate.", Fn: cmdGeoRadiusRO},
		{Name: "georadiusbymember", Syntax: "key member radius:double <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key] [STOREDIST key]", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Queries a geospatial index for members within a distance from a member, optionally stores the result.", Fn: cmdGeoRadiusByMember},
		{Name: "georadiusbymember_ro", Syntax: "key member radius:double <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]", Arity: -5, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "geo", Summary: "Returns members of a geospatial index that are within a distance from a member.", Fn: cmdGeoRadiusByMemberRO},
	})
}

const (
	errGeoUnit       = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoRadius     = "ERR need numeric radius"
	errGeoRadiusNeg  = "ERR radius cannot be negative"
	errGeoWidth      = "ERR need numeric width"
	errGeoHeight     = "ERR need numeric height"
	errGeoBoxNeg     = "ERR height or width cannot be negative"
	errGeoMember     = "ERR could not decode requested zset member"
	errGeoCount      = "ERR COUNT must be > 0"
	errGeoAny        = "ERR the ANY argument requires COUNT argument"
	errGeoStoreWith  = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	errGeoSStoreWith = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// geoUnit is extractUnitOrReply: meters per unit, or 0 for an unknown unit.
func geoUnit(u []byte) float64 {
	switch {
	case eqFold(u, "m"):
		return 1
	case eqFold(u, "km"):
		return 1000
	case eqFold(u, "ft"):
		return 0.3048
	case eqFold(u, "mi"):
		return 1609.34
	}
	return 0
}

// geoLonLat is extractLongLatOrReply: two floats within Redis's limits;
// msg is the error otherwise.
func geoLonLat(lonArg, latArg []byte) (lon, lat float64, msg string) {
	lon, ok1 := parseScore(lonArg)
	if !ok1 {
		return 0, 0, ErrNotFloat
	}
	lat, ok2 := parseScore(latArg)
	if !ok2 {
		return 0, 0, ErrNotFloat
	}
	if lon < geoLongMin || lon > geoLongMax || lat < geoLatMin || lat > geoLatMax {
		b := []byte("ERR invalid longitude,latitude pair ")
		b = appendCFixed(b, lon, 6)
		b = append(b, ',')
		b = appendCFixed(b, lat, 6)
		return 0, 0, string(b)
	}
	return lon, lat, ""
}

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
func cmdGeoAdd(c *Ctx, argv [][]byte) {
	zargv, msg := geoAddToZAdd(argv)
	if msg != "" {
		c.Error(msg)
		return
	}
	zaddGeneric(c, zargv, false)
}

// geoAddToZAdd checks GEOADD's arguments as Redis does and returns the
// ZADD command Redis rewrites it into: the options, then score member
// pairs with each score the decimal geohash.
func geoAddToZAdd(argv [][]byte) ([][]byte, string) {
	nx, xx := false, false
	i := 2
options:
	for ; i < len(argv); i++ {
		switch {
		case eqFold(argv[i], "nx"):
			nx = true
		case eqFold(argv[i], "xx"):
			xx = true
		case eqFold(argv[i], "ch"):
		default:
			break options
		}
	}
	if (len(argv)-i)%3 != 0 || (nx && xx) {
		return nil, ErrSyntax
	}
	zargv := append([][]byte{[]byte("zadd")}, argv[1:i]...)
	for ; i < len(argv); i += 3 {
		lon, lat, msg := geoLonLat(argv[i], argv[i+1])
		if msg != "" {
			return nil, msg
		}
		h, _ := geoEncode(geoLonRange, geoLatRange, lon, lat, geoStepMax)
		zargv = append(zargv, strconv.AppendUint(nil, h.align52(), 10), argv[i+2])
	}
	return zargv, ""
}

// GEODIST key member1 member2 [M | KM | FT | MI]
func cmdGeoDist(c *Ctx, argv [][]byte) {
	toMeters := 1.0
	switch {
	case len(argv) == 5:
		if toMeters = geoUnit(argv[4]); toMeters == 0 {
			c.Error(errGeoUnit)
			return
		}
	case len(argv) > 5:
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	s1, ok1 := z.Score(string(argv[2]))
	s2, ok2 := z.Score(string(argv[3]))
	if !ok1 || !ok2 {
		c.Null()
		return
	}
	lon1, lat1 := geoDecodeScore(s1)
	lon2, lat2 := geoDecodeScore(s2)
	c.geoDistReply(geoDistance(lon1, lat1, lon2, lat2) / toMeters)
}

// geoDistReply is addReplyDoubleDistance: printf("%.4f") as a bulk string.
func (c *Ctx) geoDistReply(d float64) {
	var tmp [48]byte
	c.Bulk(appendCFixed(tmp[:0], d, 4))
}

// geoCoordsReply is a [longitude, latitude] pair as Redis replies it.
func (c *Ctx) geoCoordsReply(lon, lat float64) {
	var tmp [48]byte
	c.Array(2)
	c.Bulk(appendHumanDouble(tmp[:0], lon))
	c.Bulk(appendHumanDouble(tmp[:0], lat))
}

// GEOHASH key [member [member ...]]
func cmdGeoHash(c *Ctx, argv [][]byte) {
	memberScores(c, argv, func(s float64) { c.BulkString(geoHashString(s)) }, c.Null)
}

// GEOPOS key [member [member ...]]
func cmdGeoPos(c *Ctx, argv [][]byte) {
	memberScores(c, argv, func(s float64) { c.geoCoordsReply(geoDecodeScore(s)) }, c.NullArray)
}

// The search variants, as georadiusGeneric's flags.
type geoSearchKind int

const (
	geoByCoords    geoSearchKind = iota // GEORADIUS[_RO]
	geoByMember                         // GEORADIUSBYMEMBER[_RO]
	geoSearch                           // GEOSEARCH
	geoSearchStore                      // GEOSEARCHSTORE
)

// GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius unit | BYBOX width height unit> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
func cmdGeoSearch(c *Ctx, argv [][]byte) { geoSearchGeneric(c, argv, 1, geoSearch, false) }

// GEOSEARCHSTORE destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius unit | BYBOX width height unit> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]
func cmdGeoSearchStore(c *Ctx, argv [][]byte) { geoSearchGeneric(c, argv, 2, geoSearchStore, false) }

// GEORADIUS key longitude latitude radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
func cmdGeoRadius(c *Ctx, argv [][]byte) { geoSearchGeneric(c, argv, 1, geoByCoords, false) }

// GEORADIUS_RO key longitude latitude radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
func cmdGeoRadiusRO(c *Ctx, argv [][]byte) { geoSearchGeneric(c, argv, 1, geoByCoords, true) }

// GEORADIUSBYMEMBER key member radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
func cmdGeoRadiusByMember(c *Ctx, argv [][]byte) { geoSearchGeneric(c, argv, 1, geoByMember, false) }

// GEORADIUSBYMEMBER_RO key member radius unit [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]
func cmdGeoRadiusByMemberRO(c *Ctx, argv [][]byte) {
	geoSearchGeneric(c, argv, 1, geoByMember, true)
}

// geoQuery is a parsed search.
type geoQuery struct {
	shape                          geoShape
	store                          []byte // destination, nil if none
	storeDist                      bool
	withDist, withHash, withCoords bool
	sort                           int // 0 none, 1 ascending, -1 descending
	count                          int64
	any                            bool
}

// geoPoint is a search match.
type geoPoint struct {
	member   string
	score    float64
	lon, lat float64
	dist     float64 // meters, then the query's unit
}

// geoSearchGeneric is georadiusGeneric: srcAt is the source key's index,
// noStore the _RO forms.
func geoSearchGeneric(c *Ctx, argv [][]byte, srcAt int, kind geoSearchKind, noStore bool) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[srcAt])
	if !ok {
		return
	}
	q, msg := parseGeoQuery(z, argv, kind, noStore)
	if msg != "" {
		c.Error(msg)
		return
	}
	if z == nil {
		if q.store != nil {
			zstoreItems(c, q.store, nil, true)
		} else {
			c.Array(0)
		}
		return
	}
	if q.count != 0 && q.sort == 0 && !q.any {
		q.sort = 1
	}
	var limit int64
	if q.any {
		limit = q.count
	}
	points := geoCollect(z, &q.shape, limit)
	if len(points) == 0 && q.store == nil {
		c.Array(0)
		return
	}
	if q.sort != 0 {
		// sort_gp_asc / sort_gp_desc: by distance only.
		cmp := func(a, b *geoPoint) int {
			r := 0
			switch {
			case a.dist > b.dist:
				r = 1
			case a.dist < b.dist:
				r = -1
			}
			return r * q.sort
		}
		if q.count != 0 && int64(len(points)) > q.count {
			pqsort(points, cmp, 0, int(q.count)-1)
		} else {
			// glibc's qsort is a merge sort: stable.
			slices.SortStableFunc(points, func(a, b geoPoint) int { return cmp(&a, &b) })
		}
	}
	if q.count != 0 && int64(len(points)) > q.count {
		points = points[:q.count]
	}
	for i := range points {
		points[i].dist /= q.shape.conversion
	}
	if q.store != nil {
		items := make([]zsetItem, len(points))
		for i, p := range points {
			items[i] = zsetItem{member: p.member, score: p.score}
			if q.storeDist {
				items[i].score = p.dist
			}
		}
		zstoreItems(c, q.store, items, true)
		return
	}
	geoReplyPoints(c, points, &q)
}

// geoReplyPoints replies the matches: each a member alone, or an array of
// the member, then its distance, hash and coordinates as asked (always in
// that order).
func geoReplyPoints(c *Ctx, points []geoPoint, q *geoQuery) {
	extra := 0
	for _, w := range []bool{q.withDist, q.withHash, q.withCoords} {
		if w {
			extra++
		}
	}
	c.Array(len(points))
	for _, p := range points {
		if extra > 0 {
			c.Array(extra + 1)
		}
		c.BulkString(p.member)
		if q.withDist {
			c.geoDistReply(p.dist)
		}
		if q.withHash {
			c.Int(int64(geoScoreBits(p.score)))
		}
		if q.withCoords {
			c.geoCoordsReply(p.lon, p.lat)
		}
	}
}

// parseGeoQuery parses a search's arguments in georadiusGeneric's order
// of checks; z (nil: the key is absent) is needed for FROMMEMBER and
// GEORADIUSBYMEMBER's member, which are looked up as they are parsed.
func parseGeoQuery(z *zsetValue, argv [][]byte, kind geoSearchKind, noStore bool) (geoQuery, string) {
	var q geoQuery
	var base int
	switch kind {
	case geoByCoords:
		base = 6
		lon, lat, msg := geoLonLat(argv[2], argv[3])
		if msg != "" {
			return q, msg
		}
		q.shape.lon, q.shape.lat = lon, lat
		if msg := parseGeoRadius(&q.shape, argv[4], argv[5]); msg != "" {
			return q, msg
		}
	case geoByMember:
		base = 5
		if z != nil {
			s, found := z.Score(string(argv[2]))
			if !found {
				return q, errGeoMember
			}
			q.shape.lon, q.shape.lat = geoDecodeScore(s)
			if msg := parseGeoRadius(&q.shape, argv[3], argv[4]); msg != "" {
				return q, msg
			}
		}
	case geoSearch:
		base = 2
	case geoSearchStore:
		base = 3
		q.store = argv[1]
	}
	search := kind == geoSearch || kind == geoSearchStore
	var fromMember, fromLonLat, byRadius, byBox bool
	args := argv[base:]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		left := len(args) - i - 1 // arguments after this one
		switch {
		case eqFold(arg, "withdist"):
			q.withDist = true
		case eqFold(arg, "withhash"):
			q.withHash = true
		case eqFold(arg, "withcoord"):
			q.withCoords = true
		case eqFold(arg, "any"):
			q.any = true
		case eqFold(arg, "asc"):
			q.sort = 1
		case eqFold(arg, "desc"):
			q.sort = -1
		case eqFold(arg, "count") && left >= 1:
			n, ok := parseInt(args[i+1])
			if !ok {
				return q, ErrNotInteger
			}
			if n <= 0 {
				return q, errGeoCount
			}
			q.count = n
			i++
		case (eqFold(arg, "store") || eqFold(arg, "storedist")) && left >= 1 && !noStore && !search:
			q.store = args[i+1]
			q.storeDist = eqFold(arg, "storedist")
			i++
		case eqFold(arg, "storedist") && kind == geoSearchStore:
			q.storeDist = true
		case eqFold(arg, "frommember") && left >= 1 && search && !fromLonLat:
			if z != nil {
				s, found := z.Score(string(args[i+1]))
				if !found {
					return q, errGeoMember
				}
				q.shape.lon, q.shape.lat = geoDecodeScore(s)
			}
			fromMember = true
			i++
		case eqFold(arg, "fromlonlat") && left >= 2 && search && !fromMember:
			lon, lat, msg := geoLonLat(args[i+1], args[i+2])
			if msg != "" {
				return q, msg
			}
			q.shape.lon, q.shape.lat = lon, lat
			fromLonLat = true
			i += 2
		case eqFold(arg, "byradius") && left >= 2 && search && !byBox:
			if msg := parseGeoRadius(&q.shape, args[i+1], args[i+2]); msg != "" {
				return q, msg
			}
			byRadius = true
			i += 2
		case eqFold(arg, "bybox") && left >= 3 && search && !byRadius:
			if msg := parseGeoBox(&q.shape, args[i+1], args[i+2], args[i+3]); msg != "" {
				return q, msg
			}
			byBox = true
			i += 3
		default:
			return q, ErrSyntax
		}
	}
	return q, q.conflicts(kind, argv[0], fromMember || fromLonLat, byRadius || byBox)
}

// conflicts is georadiusGeneric's checks after the options: STORE with a
// WITH option, a GEOSEARCH without its centre or its shape, ANY without
// COUNT. cmdName is the command name as the client typed it, which
// Redis's error repeats.
func (q *geoQuery) conflicts(kind geoSearchKind, cmdName []byte, from, by bool) string {
	search := kind == geoSearch || kind == geoSearchStore
	switch {
	case q.store != nil && (q.withDist || q.withHash || q.withCoords):
		if kind == geoSearchStore {
			return errGeoSStoreWith
		}
		return errGeoStoreWith
	case search && !from:
		return "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cmdName)
	case search && !by:
		return "ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(cmdName)
	case q.any && q.count == 0:
		return errGeoAny
	}
	return ""
}

// parseGeoRadius is extractDistanceOrReply for a circle.
func parseGeoRadius(s *geoShape, radius, unit []byte) string {
	r, ok := parseScore(radius)
	switch {
	case !ok:
		return errGeoRadius
	case r < 0:
		return errGeoRadiusNeg
	}
	conv := geoUnit(unit)
	if conv == 0 {
		return errGeoUnit
	}
	s.box, s.radius, s.conversion = false, r, conv
	return ""
}

// parseGeoBox is extractBoxOrReply.
func parseGeoBox(s *geoShape, width, height, unit []byte) string {
	w, ok := parseScore(width)
	if !ok {
		return errGeoWidth
	}
	h, ok := parseScore(height)
	if !ok {
		return errGeoHeight
	}
	if h < 0 || w < 0 {
		return errGeoBoxNeg
	}
	conv := geoUnit(unit)
	if conv == 0 {
		return errGeoUnit
	}
	s.box, s.width, s.height, s.conversion = true, w, h, conv
	return ""
}

// geoCollect is membersOfAllNeighbors: the members of z inside the shape,
// cell by cell in Redis's order, skipping a cell equal to the last one
// searched (huge radii make neighbours coincide), and stopping once limit
// (> 0: ANY) matches are found.
func geoCollect(z *zsetValue, s *geoShape, limit int64) []geoPoint {
	cells := s.cells()
	var out []geoPoint
	full := func() bool { return limit > 0 && int64(len(out)) >= limit }
	last := 0
	for i, cell := range cells {
		if cell.isZero() {
			continue
		}
		if last != 0 && cell == cells[last] {
			continue
		}
		if len(out) > 0 && full() {
			break
		}
		lo := geoBits{bits: cell.bits, step: cell.step}.align52()
		hi := geoBits{bits: cell.bits + 1, step: cell.step}.align52()
		z.RangeByScore(float64(lo), float64(hi), false, true, func(member string, score float64) bool {
			lon, lat := geoDecodeScore(score)
			if d, in := s.contains(lon, lat); in {
				out = append(out, geoPoint{member: member, score: score, lon: lon, lat: lat, dist: d})
			}
			return !(len(out) > 0 && full())
		})
		last = i
	}
	return out
}
