package io.fusion4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector math whose bits do not depend on the JIT tier. The Vector API's {@code lanewise(EXP)} runs
 * {@code Math.exp} per lane when interpreted and an SVML routine once compiled, and {@code reduceLanes(ADD)}
 * has no fixed order; a run resumed in a fresh JVM then differs in the last bits from an uninterrupted
 * one. Everything here is built from IEEE-exact lane operations (add, mul, fma, compare, convert, rearrange), so
 * interpreter, C1 and C2 agree bit for bit. Fused multiply-add qualifies: it is exactly specified.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** Adding 1.5·2^23 rounds a float of magnitude below 2^22 to an integer, which sits in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    /** Below this, exp underflows to zero (and -inf must give exactly 0 for masked scores). */
    private static final float EXP_MIN = -87.33654f;
    /** Inputs are clamped here so 2^n stays a normal float; e^88 ≈ 1.65e38. */
    private static final float EXP_MAX = 88f;
    // Cody-Waite split of ln 2 and Cephes' expf polynomial, as vectors because fma takes no scalar/vector mix.
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(S, -LN2_HI);
    private static final FloatVector NEG_LN2_LO = FloatVector.broadcast(S, -LN2_LO);
    private static final FloatVector P0 = FloatVector.broadcast(S, 1.9875691500e-4f);
    private static final FloatVector P1 = FloatVector.broadcast(S, 1.3981999507e-3f);
    private static final FloatVector P2 = FloatVector.broadcast(S, 8.3334519073e-3f);
    private static final FloatVector P3 = FloatVector.broadcast(S, 4.1665795894e-2f);
    private static final FloatVector P4 = FloatVector.broadcast(S, 1.6666665459e-1f);
    private static final FloatVector P5 = FloatVector.broadcast(S, 5.0000001201e-1f);
    private VectorMath() {
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    /** This thread's lane scratch: spill an accumulator into it with {@code intoArray}, then {@link #sumLanes}. */
    static float[] lanes() {
        return LANES.get();
    }

    /**
     * Sum of {@code lanes[0..L)} in a fixed pairwise tree (lanes {@code i} and {@code i + L/2} first, ...).
     * Callers spill vectors themselves: a reduction is made once per row, a call site C2 may not inline,
     * and a vector passed to a method that is not inlined is boxed on the heap.
     */
    static float sumLanes(float[] lanes) {
        for (int stride = L / 2; stride >= 1; stride >>= 1) {
            for (int i = 0; i < stride; i++) {
                lanes[i] += lanes[i + stride];
            }
        }
        return lanes[0];
    }

    /**
     * e^x per lane within about 2 ulp (Cephes' polynomial after reducing by ln 2, n rounded with the
     * 1.5·2^23 trick): exactly 0 below the underflow point (so -inf gives 0), saturating at e^88, NaN for NaN.
     * Small on purpose so C2 inlines it into every kernel.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector big = xc.fma(LOG2E, ROUND);
        FloatVector n = big.sub(ROUND);
        // Fused multiply-adds: half the operations of mul+add, and fma is exactly specified in every tier.
        FloatVector r = n.fma(NEG_LN2_HI, xc);
        r = n.fma(NEG_LN2_LO, r);
        FloatVector p = r.fma(P0, P1);
        p = p.fma(r, P2);
        p = p.fma(r, P3);
        p = p.fma(r, P4);
        p = p.fma(r, P5);
        FloatVector e = p.fma(r.mul(r), r).add(1f);
        FloatVector scale = big.reinterpretAsInts().add(127 - ROUND_BITS).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return e.mul(scale).blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
    }

    /**
     * Writes {@code exp(x[i] - shift)} to {@code out} (which may be {@code x}) for {@code i < n} and returns their sum:
     * full vectors unmasked, scalar tail, lanes summed in the fixed tree. Softmax rows use it.
     */
    static float expMinusAndSum(float[] x, int xo, float[] out, int oo, int n, float shift) {
        if (n < L) {
            // A router's rows of 4-8 experts: all tail. No vectors made for a loop that never runs (RowKernels says
            // why); the sum is the same bits, the vector part adding only zeros.
            return expMinusTail(x, xo, out, oo, 0, n, shift);
        }
        FloatVector vm = FloatVector.broadcast(S, shift);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, x, xo + i).sub(vm));
            e.intoArray(out, oo + i);
            acc = acc.add(e);
        }
        float tail = expMinusTail(x, xo, out, oo, i, n, shift);
        float[] lanes = lanes();
        acc.intoArray(lanes, 0);
        return sumLanes(lanes) + tail;
    }

    /** The scalar part of {@link #expMinusAndSum}: elements {@code from..n}, summed in order. */
    private static float expMinusTail(float[] x, int xo, float[] out, int oo, int from, int n, float shift) {
        float sum = 0f;
        for (int i = from; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - shift);
            out[oo + i] = e;
            sum += e;
        }
        return sum;
    }

    /** tanh(x) = 1 - 2 / (e^{2x} + 1), saturating cleanly at ±1. */
    static FloatVector tanh(FloatVector x) {
        FloatVector e = exp(x.mul(2f));
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(e.add(1f)));
    }
}
