package io.fusion4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math whose bits do not depend on the JIT tier. The Vector API's {@code lanewise(EXP)} runs
 * {@code Math.exp} per lane when interpreted and an SVML routine once compiled, and {@code reduceLanes(ADD)}
 * has no fixed order; a run resumed in a fresh JVM then differs in the last bits from an uninterrupted
 * one. Everything here is built from IEEE-exact lane operations (add, mul, compare, convert, rearrange), so
 * interpreter, C1 and C2 agree bit for bit.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Below this, exp underflows to zero (and -inf must give exactly 0 for masked scores). */
    private static final float EXP_MIN = -87.33654f;
    private static final float EXP_MAX = 88.72283f;
    private static final VectorShuffle<Float>[] HALVES;

    static {
        int levels = Integer.numberOfTrailingZeros(L);
        @SuppressWarnings("unchecked")
        VectorShuffle<Float>[] h = new VectorShuffle[levels];
        for (int lv = 0; lv < levels; lv++) {
            int stride = L >> (lv + 1);
            int[] idx = new int[L];
            for (int i = 0; i < L; i++) {
                idx[i] = i ^ stride;
            }
            h[lv] = VectorShuffle.fromArray(S, idx, 0);
        }
        HALVES = h;
    }

    private VectorMath() {
    }

    /** Sum of the lanes in a fixed tree order. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> s : HALVES) {
            v = v.add(v.rearrange(s));
        }
        return v.lane(0);
    }

    /**
     * e^x per lane, within about 2 ulp (Cephes' polynomial after reducing by ln 2): exactly 0 below the
     * underflow point (so -inf gives 0), +inf above the overflow point, NaN for NaN.
     */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_MIN);
        VectorMask<Float> over = x.compare(VectorOperators.GT, EXP_MAX);
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = xc.mul(LOG2E).add(0.5f);
        // floor(t): truncate, then step down where truncation went up (negative t).
        FloatVector tr = (FloatVector) t.convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
        FloatVector n = tr.sub(1f, tr.compare(VectorOperators.GT, t));
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.mul(r).add(1.3981999507e-3f);
        p = p.mul(r).add(8.3334519073e-3f);
        p = p.mul(r).add(4.1665795894e-2f);
        p = p.mul(r).add(1.6666665459e-1f);
        p = p.mul(r).add(5.0000001201e-1f);
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n from the exponent bits; n is within [-126, 128] after the clamp. Scale in two halves so 2^128 works.
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector out = e.mul(s1).mul(s2);
        return out.blend(0f, under).blend(Float.POSITIVE_INFINITY, over).blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** tanh(x) = 1 - 2 / (e^{2x} + 1), saturating cleanly at ±1. */
    static FloatVector tanh(FloatVector x) {
        FloatVector e = exp(x.mul(2f));
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
    }
}
