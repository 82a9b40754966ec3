package io.fusion4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels over contiguous float ranges. Memory-bound: one pass, one thread (a second
 * thread adds no bandwidth on these machines). Each loop runs unmasked full vectors and one masked
 * tail: masked loads and stores in the main loop measured at half the bandwidth (scale: 27 vs 51
 * GB/s). The math of each op is a small vector function shared by both parts.
 */
final class Elementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_A = 0.044715f;

    private Elementwise() {
    }

    // ---------------------------------------------------------------- vector math

    private static FloatVector sigmoid(FloatVector x) {
        return ONE.div(VectorMath.exp(x.neg()).add(1f));
    }

    /** x / (1 + e^-x): one divide, no separate sigmoid multiply. */
    private static FloatVector silu(FloatVector x) {
        return x.div(VectorMath.exp(x.neg()).add(1f));
    }

    /** d silu / dx = s (1 + x (1 - s)). */
    private static FloatVector siluGrad(FloatVector x) {
        FloatVector s = sigmoid(x);
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    private static FloatVector gelu(FloatVector x) {
        FloatVector u = x.mul(x).mul(GELU_A).add(1f).mul(x).mul(GELU_C);
        return x.mul(0.5f).mul(VectorMath.tanh(u).add(1f));
    }

    /** 0.5 (1 + t) + 0.5 x (1 - t²) du/dx. */
    private static FloatVector geluGrad(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector t = VectorMath.tanh(x2.mul(GELU_A).add(1f).mul(x).mul(GELU_C));
        FloatVector du = x2.mul(3f * GELU_A).add(1f).mul(GELU_C);
        return t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(du));
    }

    // ---------------------------------------------------------------- kernels

    static void axpby(float alpha, float[] a, int ao, float beta, float[] b, int bo, float[] out, int oo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        FloatVector vb = FloatVector.broadcast(S, beta);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(va).add(FloatVector.fromArray(S, b, bo + i).mul(vb)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).mul(va).add(FloatVector.fromArray(S, b, bo + i, m).mul(vb))
                    .intoArray(out, oo + i, m);
        }
    }

    static void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).add(FloatVector.fromArray(S, b, bo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).mul(FloatVector.fromArray(S, b, bo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void scale(float[] a, int ao, float s, float[] out, int oo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, a, ao + i).mul(vs).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).mul(vs).intoArray(out, oo + i, m);
        }
    }

    static void fill(float[] a, int ao, float v, int n) {
        java.util.Arrays.fill(a, ao, ao + n, v);
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = FloatVector.fromArray(S, a, ao + i, m).fma(FloatVector.fromArray(S, b, bo + i, m), acc);
        }
        float[] lanes = VectorMath.lanes();
        acc.intoArray(lanes, 0);
        return VectorMath.sumLanes(lanes);
    }

    static void silu(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            silu(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            silu(FloatVector.fromArray(S, x, xo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void siluBackward(float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            siluGrad(FloatVector.fromArray(S, x, xo + i)).mul(FloatVector.fromArray(S, dy, dyo + i)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            siluGrad(FloatVector.fromArray(S, x, xo + i, m)).mul(FloatVector.fromArray(S, dy, dyo + i, m))
                    .intoArray(dx, dxo + i, m);
        }
    }

    static void sigmoid(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            sigmoid(FloatVector.fromArray(S, x, xo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void sigmoidBackward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector s = FloatVector.fromArray(S, y, yo + i);
            s.mul(s.neg().add(1f)).mul(FloatVector.fromArray(S, dy, dyo + i)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector s = FloatVector.fromArray(S, y, yo + i, m);
            s.mul(s.neg().add(1f)).mul(FloatVector.fromArray(S, dy, dyo + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    static void gelu(float[] x, int xo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            gelu(FloatVector.fromArray(S, x, xo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            gelu(FloatVector.fromArray(S, x, xo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void geluBackward(float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            geluGrad(FloatVector.fromArray(S, x, xo + i)).mul(FloatVector.fromArray(S, dy, dyo + i)).intoArray(dx, dxo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            geluGrad(FloatVector.fromArray(S, x, xo + i, m)).mul(FloatVector.fromArray(S, dy, dyo + i, m))
                    .intoArray(dx, dxo + i, m);
        }
    }

    static void swiglu(float[] g, int go, float[] u, int uo, float[] out, int oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            silu(FloatVector.fromArray(S, g, go + i)).mul(FloatVector.fromArray(S, u, uo + i)).intoArray(out, oo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            silu(FloatVector.fromArray(S, g, go + i, m)).mul(FloatVector.fromArray(S, u, uo + i, m)).intoArray(out, oo + i, m);
        }
    }

    /**
     * One sigmoid per element serves both gradients, and the tail runs scalar: with four inlined copies of
     * {@link VectorMath#exp} (two per path) C2 stopped intrinsifying this method and boxed every vector.
     */
    static void swigluBackward(float[] g, int go, float[] u, int uo, float[] d, int dOff,
                               float[] dg, int dgo, float[] du, int duo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector gv = FloatVector.fromArray(S, g, go + i);
            FloatVector dv = FloatVector.fromArray(S, d, dOff + i);
            FloatVector sg = sigmoid(gv);
            FloatVector dsilu = sg.mul(gv.mul(sg.neg().add(1f)).add(1f));
            dv.mul(FloatVector.fromArray(S, u, uo + i)).mul(dsilu).intoArray(dg, dgo + i);
            dv.mul(gv.mul(sg)).intoArray(du, duo + i);
        }
        for (; i < n; i++) {
            float gs = g[go + i];
            float sg = (float) (1.0 / (1.0 + Math.exp(-gs)));
            float dv = d[dOff + i];
            dg[dgo + i] = dv * u[uo + i] * (sg * (1f + gs * (1f - sg)));
            du[duo + i] = dv * (gs * sg);
        }
    }

    /** Fused AdamW over one contiguous range. */
    static void adamw(float[] p, int po, float[] g, int go, float[] mm, int mo, float[] vv, int vo, int n,
                      float lr, float b1, float b2, float eps, float wd, float gradScale, float bc1, float bc2) {
        float decay = 1f - lr * wd;
        float stepSize = lr / bc1;
        float invSqrtBc2 = (float) (1.0 / Math.sqrt(bc2));
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector gr = FloatVector.fromArray(S, g, go + i).mul(gradScale);
            FloatVector m1 = FloatVector.fromArray(S, mm, mo + i).mul(b1).add(gr.mul(1f - b1));
            FloatVector v1 = FloatVector.fromArray(S, vv, vo + i).mul(b2).add(gr.mul(gr).mul(1f - b2));
            FloatVector pn = FloatVector.fromArray(S, p, po + i).mul(decay)
                    .sub(adamStep(m1, v1, invSqrtBc2, eps, stepSize));
            m1.intoArray(mm, mo + i);
            v1.intoArray(vv, vo + i);
            pn.intoArray(p, po + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector gr = FloatVector.fromArray(S, g, go + i, m).mul(gradScale);
            FloatVector m1 = FloatVector.fromArray(S, mm, mo + i, m).mul(b1).add(gr.mul(1f - b1));
            FloatVector v1 = FloatVector.fromArray(S, vv, vo + i, m).mul(b2).add(gr.mul(gr).mul(1f - b2));
            FloatVector pn = FloatVector.fromArray(S, p, po + i, m).mul(decay)
                    .sub(adamStep(m1, v1, invSqrtBc2, eps, stepSize));
            m1.intoArray(mm, mo + i, m);
            v1.intoArray(vv, vo + i, m);
            pn.intoArray(p, po + i, m);
        }
    }

    /** lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps). */
    private static FloatVector adamStep(FloatVector m1, FloatVector v1, float invSqrtBc2, float eps, float stepSize) {
        return m1.div(v1.lanewise(VectorOperators.SQRT).mul(invSqrtBc2).add(eps)).mul(stepSize);
    }
}
