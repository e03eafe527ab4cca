package fsm

import (
	"math"
	"math/big"
	"strconv"
)

// Geohash math for the GEO commands, computed step by step as Redis 7.0
// does (geohash.c, geohash_helper.c), so that scores, decoded positions,
// distances and the cells a search visits are Redis's to the bit.
//
// A position is a 52-bit interleaved geohash: 26 bits of latitude (in the
// even bit positions) and 26 of longitude (odd positions), over Redis's
// ranges [-180, 180] and [-85.05112878, 85.05112878] (the Web Mercator
// limits). The score of a geo member is that integer as a float64.
//
// Floating point: every product is wrapped in float64() so the compiler
// may not fuse it into an FMA (the Go spec allows fusion otherwise), and
// the degree-to-radian factor is M_PI/180 rounded once, as C computes it.
// sin, cos and asin are computed correctly rounded (geoSin and friends
// below), as glibc's nearly always are.

const (
	geoStepMax   = 26 // 26 bits per coordinate
	geoLatMin    = -85.05112878
	geoLatMax    = 85.05112878
	geoLongMin   = -180.0
	geoLongMax   = 180.0
	earthRadiusM = 6372797.560856
	mercatorMax  = 20037726.37
)

// degRad is C's M_PI/180.0: the double nearest pi divided by 180 in double
// arithmetic (a variable, so Go does not fold it exactly as a constant).
var degRad = func() float64 { pi := math.Pi; return pi / 180.0 }()

func degToRad(deg float64) float64 { return float64(deg * degRad) }
func radToDeg(rad float64) float64 { return rad / degRad }

// geoBits is a geohash of step*2 bits.
type geoBits struct {
	bits uint64
	step uint
}

// isZero is Redis's HASHISZERO: a neighbour cell that was excluded.
func (h geoBits) isZero() bool { return h.bits == 0 && h.step == 0 }

type geoRange struct{ min, max float64 }

type geoArea struct {
	lon, lat geoRange
}

var (
	geoLonRange = geoRange{geoLongMin, geoLongMax}
	geoLatRange = geoRange{geoLatMin, geoLatMax}
	// The standard geohash ranges, which GEOHASH re-encodes with.
	stdLatRange = geoRange{-90, 90}
)

// spread moves the low 32 bits of v to the even bit positions.
func spread(v uint64) uint64 {
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// squeeze is spread's inverse: the even bits of v, packed into 32 bits.
func squeeze(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return v
}

// geoEncode is geohashEncode: ok is false outside Redis's limits or the
// given ranges.
func geoEncode(lonR, latR geoRange, lon, lat float64, step uint) (geoBits, bool) {
	if lon > geoLongMax || lon < geoLongMin || lat > geoLatMax || lat < geoLatMin {
		return geoBits{}, false
	}
	if lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max {
		return geoBits{step: step}, false
	}
	latOff := (lat - latR.min) / (latR.max - latR.min)
	lonOff := (lon - lonR.min) / (lonR.max - lonR.min)
	scale := float64(uint64(1) << step)
	latOff = float64(latOff * scale)
	lonOff = float64(lonOff * scale)
	// C converts the doubles to uint32 (truncation) before interleaving.
	return geoBits{bits: spread(uint64(uint32(latOff))) | spread(uint64(uint32(lonOff)))<<1, step: step}, true
}

// geoDecode is geohashDecode: the cell of h.
func geoDecode(lonR, latR geoRange, h geoBits) geoArea {
	ilat := uint32(squeeze(h.bits))
	ilon := uint32(squeeze(h.bits >> 1))
	latScale := latR.max - latR.min
	lonScale := lonR.max - lonR.min
	cells := float64(uint64(1) << h.step)
	return geoArea{
		lat: geoRange{
			min: latR.min + float64(float64(ilat)/cells*latScale),
			max: latR.min + float64(float64(ilat+1)/cells*latScale),
		},
		lon: geoRange{
			min: lonR.min + float64(float64(ilon)/cells*lonScale),
			max: lonR.min + float64(float64(ilon+1)/cells*lonScale),
		},
	}
}

// centre is geohashDecodeAreaToLongLat: the middle of the cell, clamped to
// Redis's limits.
func (a geoArea) centre() (lon, lat float64) {
	lon = (a.lon.min + a.lon.max) / 2
	lon = math.Min(math.Max(lon, geoLongMin), geoLongMax)
	lat = (a.lat.min + a.lat.max) / 2
	lat = math.Min(math.Max(lat, geoLatMin), geoLatMax)
	return lon, lat
}

// geoScoreBits is C's (uint64_t) cast of a score on x86-64, where any
// sorted-set score may be read as a geohash.
func geoScoreBits(score float64) uint64 {
	if score >= 0x1p63 || math.IsNaN(score) || math.IsInf(score, 0) {
		if math.IsInf(score, 1) || math.IsNaN(score) || score >= 0x1p64 {
			return 1 << 63
		}
		return uint64(int64(score-0x1p63)) ^ 1<<63
	}
	if score < -0x1p63 {
		return 1 << 63
	}
	return uint64(int64(score))
}

// geoScoreOf is the sorted-set score GEOADD gives a position: the 52-bit
// hash (which the ZADD Redis delegates to reads back from its decimal
// form, so a hash beyond 2^53 rounds as float64 conversion does).
func geoScoreOf(lon, lat float64) float64 {
	h, _ := geoEncode(geoLonRange, geoLatRange, lon, lat, geoStepMax)
	return float64(h.align52())
}

// align52 is geohashAlign52Bits.
func (h geoBits) align52() uint64 { return h.bits << (52 - h.step*2) }

// geoDecodeScore is Redis's decodeGeohash: the cell centre of a score.
func geoDecodeScore(score float64) (lon, lat float64) {
	return geoDecode(geoLonRange, geoLatRange, geoBits{bits: geoScoreBits(score), step: geoStepMax}).centre()
}

// geoHashString is GEOHASH's 11-character base32 string for a score: the
// cell centre re-encoded over the standard latitude range [-90, 90], 52
// bits, and a final character for bits it does not have (always '0').
func geoHashString(score float64) string {
	const alphabet = "0123456789bcdefghjkmnpqrstuvwxyz"
	lon, lat := geoDecodeScore(score)
	h, _ := geoEncode(geoLonRange, stdLatRange, lon, lat, geoStepMax)
	var buf [11]byte
	for i := 0; i < 10; i++ {
		buf[i] = alphabet[(h.bits>>(52-uint(i+1)*5))&0x1f]
	}
	buf[10] = alphabet[0]
	return string(buf[:])
}

// geoDistance is Redis 7.0's geohashGetDistance: haversine on a sphere of
// earthRadiusM, in meters.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lat1r, lon1r := degToRad(lat1), degToRad(lon1)
	lat2r, lon2r := degToRad(lat2), degToRad(lon2)
	u := geoSin((lat2r - lat1r) / 2)
	v := geoSin((lon2r - lon1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return float64(2.0*earthRadiusM) * geoAsin(math.Sqrt(a))
}

// geoStepsByRadius is geohashEstimateStepsByRadius: the coarsest step
// whose cells still cover the radius in most cases, coarser near the
// poles.
func geoStepsByRadius(meters, lat float64) uint {
	if meters == 0 {
		return 26
	}
	step := 1
	for meters < mercatorMax {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), 26))
}

// geoMoveX and geoMoveY are geohash_move_x/_y: the neighbouring cell
// east/west (d > 0 / d < 0) or north/south, wrapping at the edges.
func geoMoveX(h geoBits, d int) geoBits {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - h.step*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - h.step*2)
	return geoBits{bits: x | y, step: h.step}
}

func geoMoveY(h geoBits, d int) geoBits {
	x := h.bits & 0xaaaaaaaaaaaaaaaa
	y := h.bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - h.step*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - h.step*2)
	return geoBits{bits: x | y, step: h.step}
}

// geoShape is what a search covers: a circle of radius, or a width x
// height box, in the unit conversion says (meters per unit), around
// (lon, lat).
type geoShape struct {
	lon, lat      float64
	box           bool
	radius        float64
	width, height float64
	conversion    float64
}

// bounds is geohashBoundingBox: min lon, min lat, max lon, max lat.
func (s *geoShape) bounds() (minLon, minLat, maxLon, maxLat float64) {
	h, w := s.radius, s.radius
	if s.box {
		h, w = s.height/2, s.width/2
	}
	h = float64(s.conversion * h)
	w = float64(s.conversion * w)
	latDelta := radToDeg(h / earthRadiusM)
	lonDeltaTop := radToDeg(w / earthRadiusM / geoCos(degToRad(s.lat+latDelta)))
	lonDeltaBottom := radToDeg(w / earthRadiusM / geoCos(degToRad(s.lat-latDelta)))
	if s.lat < 0 {
		minLon, maxLon = s.lon-lonDeltaBottom, s.lon+lonDeltaBottom
	} else {
		minLon, maxLon = s.lon-lonDeltaTop, s.lon+lonDeltaTop
	}
	return minLon, s.lat - latDelta, maxLon, s.lat + latDelta
}

// geoCells is geohashCalculateAreasByShapeWGS84: the centre cell and its
// eight neighbours, in Redis's visiting order (centre, N, S, E, W, NE,
// NW, SE, SW), with the ones that cannot hold a match zeroed.
func (s *geoShape) cells() [9]geoBits {
	minLon, minLat, maxLon, maxLat := s.bounds()
	meters := s.radius
	if s.box {
		meters = math.Sqrt(float64(s.width/2*(s.width/2)) + float64(s.height/2*(s.height/2)))
	}
	meters = float64(meters * s.conversion)
	steps := geoStepsByRadius(meters, s.lat)
	h, _ := geoEncode(geoLonRange, geoLatRange, s.lon, s.lat, steps)
	n := geoNeighbours(h)
	north := geoDecode(geoLonRange, geoLatRange, n[1])
	south := geoDecode(geoLonRange, geoLatRange, n[2])
	east := geoDecode(geoLonRange, geoLatRange, n[3])
	west := geoDecode(geoLonRange, geoLatRange, n[4])
	// A step too coarse when the area touches an edge of the cells: go one
	// step coarser.
	if steps > 1 && (north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon) {
		steps--
		h, _ = geoEncode(geoLonRange, geoLatRange, s.lon, s.lat, steps)
		n = geoNeighbours(h)
	}
	area := geoDecode(geoLonRange, geoLatRange, h)
	if steps >= 2 {
		zero := func(idx ...int) {
			for _, i := range idx {
				n[i] = geoBits{}
			}
		}
		if area.lat.min < minLat {
			zero(2, 7, 8) // south, south-east, south-west
		}
		if area.lat.max > maxLat {
			zero(1, 5, 6) // north, north-east, north-west
		}
		if area.lon.min < minLon {
			zero(4, 8, 6) // west, south-west, north-west
		}
		if area.lon.max > maxLon {
			zero(3, 7, 5) // east, south-east, north-east
		}
	}
	return n
}

// geoNeighbours returns h and its neighbours in Redis's search order:
// centre, N, S, E, W, NE, NW, SE, SW.
func geoNeighbours(h geoBits) [9]geoBits {
	return [9]geoBits{
		h,
		geoMoveY(h, 1),
		geoMoveY(h, -1),
		geoMoveX(h, 1),
		geoMoveX(h, -1),
		geoMoveY(geoMoveX(h, 1), 1),
		geoMoveY(geoMoveX(h, -1), 1),
		geoMoveY(geoMoveX(h, 1), -1),
		geoMoveY(geoMoveX(h, -1), -1),
	}
}

// contains is geoAppendIfWithinShape's test: whether the point is in the
// shape, and its distance from the centre in meters.
func (s *geoShape) contains(lon, lat float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.lon, s.lat, lon, lat)
		return d, !(d > float64(s.radius*s.conversion))
	}
	lonDist := geoDistance(lon, lat, s.lon, lat)
	latDist := geoDistance(lon, lat, lon, s.lat)
	if lonDist > float64(s.width*s.conversion)/2 || latDist > float64(s.height*s.conversion)/2 {
		return 0, false
	}
	return geoDistance(s.lon, s.lat, lon, lat), true
}

// appendHumanDouble formats a coordinate as Redis's addReplyHumanLongDouble:
// printf("%.17Lf") with trailing zeros (and a trailing point) removed, and
// "-0" written "0".
func appendHumanDouble(b []byte, f float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', 17, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// appendCFixed is printf("%.<prec>f"), inf spelled as C spells it.
func appendCFixed(b []byte, f float64, prec int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'f', prec, 64)
}

// The distances Redis stores (STOREDIST) show all 17 digits, so sin, cos
// and asin must give glibc's results to the bit. glibc's are correctly
// rounded in all but vanishingly rare cases, Go's math package is not (it
// is off by an ulp or more quite often), so these compute each function
// in 160-bit arithmetic and round once. They cost microseconds, not
// nanoseconds: a double-double version would be faster.
const geoTrigPrec = 160

func bigOf(x float64) *big.Float { return new(big.Float).SetPrec(geoTrigPrec).SetFloat64(x) }

// taylor sums the sine (odd) or cosine (even) series at x, |x| <= pi.
func taylor(x *big.Float, odd bool) *big.Float {
	x2 := new(big.Float).SetPrec(geoTrigPrec).Mul(x, x)
	term := bigOf(1)
	n := int64(0)
	if odd {
		term.Set(x)
		n = 1
	}
	sum := new(big.Float).SetPrec(geoTrigPrec).Set(term)
	div := new(big.Float).SetPrec(geoTrigPrec)
	for i := 0; i < 100 && term.Sign() != 0; i++ {
		term.Mul(term, x2)
		term.Quo(term, div.SetInt64((n+1)*(n+2)))
		term.Neg(term)
		n += 2
		sum.Add(sum, term)
		if sum.Sign() != 0 && term.MantExp(nil) < sum.MantExp(nil)-geoTrigPrec-4 {
			break
		}
	}
	return sum
}

func geoSin(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 4 {
		return math.Sin(x)
	}
	f, _ := taylor(bigOf(x), true).Float64()
	return f
}

func geoCos(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 4 {
		return math.Cos(x)
	}
	f, _ := taylor(bigOf(x), false).Float64()
	return f
}

// geoAsin solves sin(y) = s by Newton's method from Go's estimate.
func geoAsin(s float64) float64 {
	if s == 0 || math.IsNaN(s) || s > 1 || s < -1 {
		return math.Asin(s)
	}
	if s == 1 || s == -1 {
		return math.Asin(s) // pi/2 correctly rounded
	}
	y := bigOf(math.Asin(s))
	target := bigOf(s)
	for i := 0; i < 3; i++ {
		d := taylor(y, true)
		d.Sub(d, target)
		d.Quo(d, taylor(y, false))
		y.Sub(y, d)
	}
	f, _ := y.Float64()
	return f
}
