package io.fusion4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels over contiguous float ranges. Memory-bound: one pass, one thread (a second
 * thread adds no bandwidth on these machines), full vectors then one masked tail.
 */
final class Elementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final float GELU_C = (float) Math.sqrt(2.0 / Math.PI);
    private static final float GELU_A = 0.044715f;

    private Elementwise() {
    }

    static void axpby(float alpha, float[] a, int ao, float beta, float[] b, int bo, float[] out, int oo, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        FloatVector vb = FloatVector.broadcast(S, beta);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(S, a, ao + i, m);
            FloatVector y = FloatVector.fromArray(S, b, bo + i, m);
            x.mul(va).add(y.mul(vb)).intoArray(out, oo + i, m);
        }
    }

    static void add(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).add(FloatVector.fromArray(S, b, bo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void mul(float[] a, int ao, float[] b, int bo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).mul(FloatVector.fromArray(S, b, bo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void scale(float[] a, int ao, float s, float[] out, int oo, int n) {
        FloatVector vs = FloatVector.broadcast(S, s);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, a, ao + i, m).mul(vs).intoArray(out, oo + i, m);
        }
    }

    static void fill(float[] a, int ao, float v, int n) {
        java.util.Arrays.fill(a, ao, ao + n, v);
    }

    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = FloatVector.fromArray(S, a, ao + i, m).fma(FloatVector.fromArray(S, b, bo + i, m), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector sigmoid(FloatVector x) {
        return ONE.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
    }

    static void silu(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            v.mul(sigmoid(v)).intoArray(out, oo + i, m);
        }
    }

    static void siluBackward(float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector s = sigmoid(v);
            // d/dx x*s = s * (1 + x * (1 - s))
            FloatVector g = s.mul(v.mul(s.neg().add(1f)).add(1f));
            g.mul(FloatVector.fromArray(S, dy, dyo + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    static void sigmoid(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            sigmoid(FloatVector.fromArray(S, x, xo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void sigmoidBackward(float[] y, int yo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector s = FloatVector.fromArray(S, y, yo + i, m);
            s.mul(s.neg().add(1f)).mul(FloatVector.fromArray(S, dy, dyo + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    static void gelu(float[] x, int xo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector u = v.mul(v).mul(GELU_A).add(1f).mul(v).mul(GELU_C);
            v.mul(0.5f).mul(u.lanewise(VectorOperators.TANH).add(1f)).intoArray(out, oo + i, m);
        }
    }

    static void geluBackward(float[] x, int xo, float[] dy, int dyo, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
            FloatVector v2 = v.mul(v);
            FloatVector t = v2.mul(GELU_A).add(1f).mul(v).mul(GELU_C).lanewise(VectorOperators.TANH);
            FloatVector du = v2.mul(3f * GELU_A).add(1f).mul(GELU_C);
            // 0.5 (1 + t) + 0.5 x (1 - t^2) du
            FloatVector g = t.add(1f).mul(0.5f).add(v.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(du));
            g.mul(FloatVector.fromArray(S, dy, dyo + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    static void swiglu(float[] g, int go, float[] u, int uo, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector gv = FloatVector.fromArray(S, g, go + i, m);
            gv.mul(sigmoid(gv)).mul(FloatVector.fromArray(S, u, uo + i, m)).intoArray(out, oo + i, m);
        }
    }

    static void swigluBackward(float[] g, int go, float[] u, int uo, float[] d, int dOff,
                               float[] dg, int dgo, float[] du, int duo, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector gv = FloatVector.fromArray(S, g, go + i, m);
            FloatVector uv = FloatVector.fromArray(S, u, uo + i, m);
            FloatVector dv = FloatVector.fromArray(S, d, dOff + i, m);
            FloatVector s = sigmoid(gv);
            FloatVector silu = gv.mul(s);
            FloatVector dsilu = s.mul(gv.mul(s.neg().add(1f)).add(1f));
            dv.mul(uv).mul(dsilu).intoArray(dg, dgo + i, m);
            dv.mul(silu).intoArray(du, duo + i, m);
        }
    }

    /** Squared norm accumulated in double, in blocks of 1024 floats for determinism and accuracy. */
    static double squaredNorm(float[] x, int xo, int n) {
        double total = 0;
        for (int b = 0; b < n; b += 1024) {
            int e = Math.min(n, b + 1024);
            FloatVector acc = FloatVector.zero(S);
            for (int i = b; i < e; i += L) {
                VectorMask<Float> m = S.indexInRange(i, e);
                FloatVector v = FloatVector.fromArray(S, x, xo + i, m);
                acc = v.fma(v, acc);
            }
            total += acc.reduceLanes(VectorOperators.ADD);
        }
        return total;
    }

    /** Fused AdamW over one contiguous range. */
    static void adamw(float[] p, int po, float[] g, int go, float[] mm, int mo, float[] vv, int vo, int n,
                      float lr, float b1, float b2, float eps, float wd, float gradScale, float bc1, float bc2) {
        FloatVector vb1 = FloatVector.broadcast(S, b1);
        FloatVector vb2 = FloatVector.broadcast(S, b2);
        float decay = 1f - lr * wd;
        float stepSize = lr / bc1;
        float invSqrtBc2 = (float) (1.0 / Math.sqrt(bc2));
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector gr = FloatVector.fromArray(S, g, go + i, m).mul(gradScale);
            FloatVector m1 = FloatVector.fromArray(S, mm, mo + i, m).mul(vb1).add(gr.mul(1f - b1));
            FloatVector v1 = FloatVector.fromArray(S, vv, vo + i, m).mul(vb2).add(gr.mul(gr).mul(1f - b2));
            FloatVector denom = v1.lanewise(VectorOperators.SQRT).mul(invSqrtBc2).add(eps);
            FloatVector pn = FloatVector.fromArray(S, p, po + i, m).mul(decay).sub(m1.div(denom).mul(stepSize));
            m1.intoArray(mm, mo + i, m);
            v1.intoArray(vv, vo + i, m);
            pn.intoArray(p, po + i, m);
        }
    }
}
