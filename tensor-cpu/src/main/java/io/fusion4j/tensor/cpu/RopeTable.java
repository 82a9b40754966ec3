package io.fusion4j.tensor.cpu;

/**
 * RoPE's cos and sin for one (theta, head dim), computed once per position in double and rounded to
 * float, grown as larger positions appear. Recomputing them per call cost about 9% of a training step.
 */
final class RopeTable {
    private final float theta;
    private final int dim;
    private final double[] invFreq;
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private int positions;

    RopeTable(float theta, int dim) {
        this.theta = theta;
        this.dim = dim;
        this.invFreq = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            invFreq[i] = Math.pow(theta, -2.0 * i / dim);
        }
    }

    boolean matches(float t, int d) {
        return Float.compare(t, theta) == 0 && d == dim;
    }

    /** Makes positions {@code 0..maxPosition} available. */
    void ensure(int maxPosition) {
        if (maxPosition < positions) {
            return;
        }
        int half = dim / 2;
        int n = Math.max(maxPosition + 1, positions * 2);
        float[] c = java.util.Arrays.copyOf(cos, n * half);
        float[] s = java.util.Arrays.copyOf(sin, n * half);
        for (int p = positions; p < n; p++) {
            for (int i = 0; i < half; i++) {
                double ang = p * invFreq[i];
                c[p * half + i] = (float) Math.cos(ang);
                s[p * half + i] = (float) Math.sin(ang);
            }
        }
        cos = c;
        sin = s;
        positions = n;
    }

    float[] cos() {
        return cos;
    }

    float[] sin() {
        return sin;
    }
}
