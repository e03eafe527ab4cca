package fsm

import "testing"

// The expected replies below were recorded from redis-server 7.0.15.

func TestGeoSicily(t *testing.T) {
	tf := newTestFSM(t)
	pal := array(bulk("13.36138933897018433"), bulk("38.11555639549629859"))
	cat := array(bulk("15.08726745843887329"), bulk("37.50266842333162032"))
	tf.run([]step{
		{c("GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania"), integer(2)},
		{c("GEOADD Sicily 13.361389 38.115556 Palermo"), integer(0)},
		{c("ZSCORE Sicily Palermo"), bulk("3479099956230698")},
		{c("GEODIST Sicily Palermo Catania"), bulk("166274.1516")},
		{c("GEODIST Sicily Palermo Catania km"), bulk("166.2742")},
		{c("GEODIST Sicily Palermo nope"), nilBulk},
		{c("GEODIST nokey Palermo Catania"), nilBulk},
		{c("GEOHASH Sicily Palermo Catania nope"), array(bulk("sqc8b49rny0"), bulk("sqdtr74hyu0"), nilBulk)},
		{c("GEOHASH nokey a"), array(nilBulk)},
		{c("GEOHASH Sicily"), array()},
		{c("GEOPOS Sicily Palermo nope"), array(pal, nilArray)},
		{c("GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC WITHCOORD WITHDIST WITHHASH"), array(
			array(bulk("Catania"), bulk("56.4413"), integer(3479447370796909), cat),
			array(bulk("Palermo"), bulk("190.4424"), integer(3479099956230698), pal))},
		{c("GEORADIUS Sicily 15 37 200 km DESC"), array(bulk("Palermo"), bulk("Catania"))},
		{c("GEORADIUS_RO Sicily 15 37 200 km COUNT 1"), array(bulk("Catania"))},
		{c("GEORADIUSBYMEMBER Sicily Palermo 100 km"), array(bulk("Palermo"))},
		{c("GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST ASC"), array(
			array(bulk("Palermo"), bulk("0.0000")), array(bulk("Catania"), bulk("166.2742")))},
		{c("GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km DESC"), array(bulk("Catania"), bulk("Palermo"))},
		{c("GEOSEARCHSTORE dst Sicily FROMMEMBER Palermo BYRADIUS 200 km STOREDIST"), integer(2)},
		{c("ZRANGE dst 0 -1 WITHSCORES"), array(bulk("Palermo"), bulk("0"), bulk("Catania"), bulk("166.27415156960032"))},
		{c("GEORADIUS Sicily 15 37 200 km STORE dst"), integer(2)},
		{c("ZRANGE dst 0 -1 WITHSCORES"), array(bulk("Palermo"), bulk("3479099956230698"), bulk("Catania"), bulk("3479447370796909"))},
		{c("GEORADIUS Sicily 0 0 1 km STORE dst"), integer(0)},
		{c("EXISTS dst"), integer(0)},
		{c("GEOSEARCH Sicily FROMLONLAT 0 0 BYRADIUS 1 km"), array()},
		{c("GEOSEARCH nokey FROMMEMBER x BYRADIUS 1 km"), array()},
		{c("GEOSEARCHSTORE dst nokey FROMMEMBER x BYRADIUS 1 km"), integer(0)},
		{c("GEOADD Sicily XX CH 13.361389 38.2 Palermo 1 1 New"), integer(1)},
		{c("GEOADD Sicily NX 13.361389 38.3 Palermo 1 1 New"), integer(1)},
		{c("GEOPOS Sicily New"), array(array(bulk("0.99999994039535522"), bulk("0.99999945914297683")))},
	})
}

// Points near the poles and the antimeridian, where cells wrap and the
// step estimate is coarser.
func TestGeoEdges(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("GEOADD P 179.9999 0 e1 -179.9999 0.001 w1 0 85 np -0.5 85.05 np2 170 -85 sp 179.5 85.04 ne 13.361389 38.115556 Palermo"), integer(7)},
		{c("ZRANGE P 0 -1 WITHSCORES"), array(bulk("w1"), bulk("1125899906925132"), bulk("np2"), bulk("2251790542092422"),
			bulk("sp"), bulk("2999513102703301"), bulk("Palermo"), bulk("3479099956230698"), bulk("np"), bulk("3752999415514384"),
			bulk("e1"), bulk("4128299658422434"), bulk("ne"), bulk("4503590339017155"))},
		{c("GEOHASH P e1 w1 np np2 sp ne"), array(bulk("xbpbpbpbj80"), bulk("8000000jf60"), bulk("up0581b0bh0"),
			bulk("gzpeudgujj0"), bulk("pbbukqnpp50"), bulk("zzpeu95cvj0"))},
		{c("GEOPOS P e1 np sp"), array(
			array(bulk("179.99990075826644897"), bulk("0.00000126736058093")),
			array(bulk("0.00000268220901489"), bulk("84.99999965213439168")),
			array(bulk("169.99999791383743286"), bulk("-84.99999965213439168")))},
		{c("GEODIST P e1 w1"), bulk("113.2521")},
		{c("GEODIST P np np2 mi"), bulk("4.5740")},
		{c("GEODIST P np sp ft"), bulk("65367178.1548")},
		{c("GEOSEARCH P FROMMEMBER e1 BYRADIUS 50 km ASC WITHDIST"), array(
			array(bulk("e1"), bulk("0.0000")), array(bulk("w1"), bulk("0.1133")))},
		{c("GEOSEARCH P FROMMEMBER np BYRADIUS 100 km DESC WITHDIST WITHHASH"), array(
			array(bulk("np2"), bulk("7.3612"), integer(2251790542092422)),
			array(bulk("np"), bulk("0.0000"), integer(3752999415514384)))},
		{c("GEOSEARCH P FROMLONLAT 0 85 BYBOX 4000 200 km ASC WITHDIST"), array(
			array(bulk("np"), bulk("0.0000")), array(bulk("np2"), bulk("7.3611")), array(bulk("ne"), bulk("1107.8034")))},
		// Redis's cells do not cover the whole radius here: these are its answers.
		{c("GEORADIUS P 180 0 20000 km COUNT 3 DESC"), array(bulk("Palermo"), bulk("np"), bulk("sp"))},
		{c("GEORADIUS P 180 0 20000 km COUNT 2 ANY"), array(bulk("Palermo"), bulk("np"))},
		{c("GEOSEARCH P FROMLONLAT 90 -85 BYRADIUS 1000 km WITHDIST WITHCOORD"), array(
			array(bulk("sp"), bulk("714.4158"), array(bulk("169.99999791383743286"), bulk("-84.99999965213439168"))))},
		{c("GEOADD L 1 85.05112878 a -180 -85.05112878 b"), integer(2)},
		{c("GEOPOS L a b"), array(
			array(bulk("0.99999994039535522"), bulk("85.0511287799999991")),
			array(bulk("-179.99999731779098511"), bulk("-85.05112751263942528")))},
		{c("GEOHASH L a b"), array(bulk("up0eyg04tx0"), bulk("00bh0hbj200"))},
		{c("GEOADD Z -0 0 a 0.0000001 0.00000001 b"), integer(2)},
		{c("GEOHASH Z a b"), array(bulk("s0000000000"), bulk("s0000000000"))},
		{c("GEOSEARCH Z FROMLONLAT 0 0 BYRADIUS 1 m WITHDIST"), array(
			array(bulk("a"), bulk("0.3300")), array(bulk("b"), bulk("0.3300")))},
		{c("GEOSEARCH Z FROMLONLAT 1 2 BYRADIUS inf km WITHDIST"), array(
			array(bulk("a"), bulk("248.6992")), array(bulk("b"), bulk("248.6992")))},
		{c("GEOSEARCH Z FROMLONLAT 1 2 BYBOX inf inf km WITHDIST"), array(
			array(bulk("a"), bulk("248.6992")), array(bulk("b"), bulk("248.6992")))},
	})
}

func TestGeoErrors(t *testing.T) {
	tf := newTestFSM(t)
	const notCompat = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
	tf.run([]step{
		{c("GEOADD zz 1 2 a"), integer(1)},
		{c("SET s x"), ok},
		{c("GEOADD zz 200 100 a"), errReply("ERR invalid longitude,latitude pair 200.000000,100.000000")},
		{c("GEOADD zz 1 85.05112879 a"), errReply("ERR invalid longitude,latitude pair 1.000000,85.051129")},
		{c("GEOADD zz inf 0 a"), errReply("ERR invalid longitude,latitude pair inf,0.000000")},
		{c("GEOADD zz 1 2 c 1 200 d"), errReply("ERR invalid longitude,latitude pair 1.000000,200.000000")},
		{c("GEOADD zz 1 2 c x 200 d"), errReply(ErrNotFloat)},
		{c("GEOADD zz NX XX 1 2 a"), errReply(ErrSyntax)},
		{c("GEOADD zz GT 1 2 a"), errReply(ErrSyntax)},
		{c("GEOADD zz CH CH CH"), errReply(ErrSyntax)},
		{c("GEOADD zz 1 2"), errReply("ERR wrong number of arguments for 'geoadd' command")},
		{c("GEOADD s 1 2 a"), errReply(ErrWrongType)},
		{c("GEOADD s 1 200 a"), errReply("ERR invalid longitude,latitude pair 1.000000,200.000000")},
		{c("ZCARD zz"), integer(1)},
		{c("GEODIST zz a b x y"), errReply(ErrSyntax)},
		{c("GEODIST zz a b x"), errReply("ERR unsupported unit provided. please use M, KM, FT, MI")},
		{c("GEODIST nokey a b x"), errReply("ERR unsupported unit provided. please use M, KM, FT, MI")},
		{c("GEODIST s a b"), errReply(ErrWrongType)},
		{c("GEOPOS s a"), errReply(ErrWrongType)},
		{c("GEOHASH s a"), errReply(ErrWrongType)},
		{c("GEOSEARCH zz FROMMEMBER a"), errReply("ERR wrong number of arguments for 'geosearch' command")},
		{c("GEOSEARCH s FROMLONLAT 1 2 BYRADIUS x km"), errReply(ErrWrongType)},
		{c("GEOSEARCH zz FROMMEMBER a FROMLONLAT 1 2 BYBOX 1 1 m"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 FROMMEMBER a BYBOX 1 1 m"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS 1 km BYBOX 1 1 m"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS 1 km ANY"), errReply("ERR the ANY argument requires COUNT argument")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS 1 km COUNT 0"), errReply("ERR COUNT must be > 0")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS 1 km COUNT x"), errReply(ErrNotInteger)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS 1 km COUNT"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS -1 km"), errReply("ERR radius cannot be negative")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYRADIUS x km"), errReply("ERR need numeric radius")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX x 1 km"), errReply("ERR need numeric width")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX 1 x km"), errReply("ERR need numeric height")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX 1 -1 km"), errReply("ERR height or width cannot be negative")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX 1 1 kmx"), errReply("ERR unsupported unit provided. please use M, KM, FT, MI")},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX 1 1 km STORE x"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMLONLAT 1 2 BYBOX 1 1 km STOREDIST"), errReply(ErrSyntax)},
		{c("GEOSEARCH zz FROMMEMBER nope BYBOX 1 1 km"), errReply("ERR could not decode requested zset member")},
		{c("GeoSearch zz BYBOX 1 1 km ASC"), errReply("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GeoSearch")},
		{c("geosearch zz FROMLONLAT 1 2 ASC WITHDIST"), errReply("ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch")},
		{c("GEOSEARCHSTORE d zz FROMLONLAT 1 2 BYBOX 1 1 km WITHDIST"), errReply("ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")},
		{c("GEORADIUS_RO zz 1 2 1 km STORE x"), errReply(ErrSyntax)},
		{c("GEORADIUSBYMEMBER_RO zz a 1 km STOREDIST x"), errReply(ErrSyntax)},
		{c("GEORADIUS zz 1 2 1 km STORE x WITHDIST"), errReply(notCompat)},
		{c("GEORADIUS nokey 1 2 1 km STORE x WITHHASH"), errReply(notCompat)},
		{c("GEORADIUS zz 1 200 1 km"), errReply("ERR invalid longitude,latitude pair 1.000000,200.000000")},
		{c("GEORADIUS zz 1 2 1 km ASC DESC"), array(bulk("a"))},
		{c("GEORADIUSBYMEMBER zz nope 1 km"), errReply("ERR could not decode requested zset member")},
		{c("GEORADIUSBYMEMBER nokey nope 1 kmx"), array()},
		{c("GEORADIUSBYMEMBER s nope 1 kmx"), errReply(ErrWrongType)},
		{c("GEORADIUS zz 1 2 1"), errReply("ERR wrong number of arguments for 'georadius' command")},
	})
}

// A search's STORE replaces the destination (and its TTL).
func TestGeoStoreEncoding(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("GEOADD g 1 1 a 1.001 1.001 b"), integer(2)},
		{c("GEOSEARCHSTORE d g FROMMEMBER a BYRADIUS 1000 km"), integer(2)},
		{c("EXPIRE d 100"), integer(1)},
		{c("GEORADIUS g 1 1 1000 km STOREDIST d COUNT 1"), integer(1)},
		{c("TTL d"), integer(-1)},
		{c("ZRANGE d 0 -1 WITHSCORES"), array(bulk("a"), bulk("6.0521617125866494e-05"))},
	})
}
