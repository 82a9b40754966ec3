package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

class VectorMathTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += L) {
            VectorMath.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void expIsWithinThreeUlpOfTheCorrectlyRoundedValue() {
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[L * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-87, 87.9);
        }
        float[] e = exp(x);
        for (int i = 0; i < x.length; i++) {
            float ref = (float) Math.exp(x[i]);
            assertThat(Math.abs(e[i] - ref)).as("exp(%s)", x[i]).isLessThanOrEqualTo(3 * Math.ulp(ref));
        }
    }

    @Test
    void expEdgeCases() {
        float[] x = new float[L];
        float[] special = {Float.NEGATIVE_INFINITY, -1000f, -87.5f, 0f, -0f, 1f, Float.NaN, 100f, Float.POSITIVE_INFINITY};
        System.arraycopy(special, 0, x, 0, Math.min(special.length, L));
        float[] e = exp(x);
        assertThat(e[0]).isZero();
        assertThat(e[1]).isZero();
        assertThat(e[2]).isZero();
        assertThat(e[3]).isEqualTo(1f);
        assertThat(e[4]).isEqualTo(1f);
        assertThat(e[5]).isCloseTo((float) Math.E, org.assertj.core.data.Offset.offset(Math.ulp((float) Math.E) * 2));
        if (L > 8) {
            assertThat(e[6]).isNaN();
            // Saturates at e^88 (≈1.65e38): finite, so 1 / (1 + e^-x) and friends never see inf.
            assertThat(e[7]).isCloseTo((float) Math.exp(88), org.assertj.core.data.Offset.offset(1e32f));
            assertThat(e[8]).isEqualTo(e[7]);
        }
    }

    @Test
    void laneSumsFollowAFixedTree() {
        float[] x = new float[L];
        double exact = 0;
        for (int i = 0; i < L; i++) {
            x[i] = (float) Math.pow(-1.37, i) * 1e-3f * (i + 1);
            exact += x[i];
        }
        float[] lanes = x.clone();
        float s = VectorMath.sumLanes(lanes);
        assertThat((double) s).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-6));
        // Pairwise tree: lanes (i, i ^ L/2) first, then (i, i ^ L/4), ...
        float[] t = x.clone();
        for (int stride = L / 2; stride >= 1; stride /= 2) {
            float[] n = new float[L];
            for (int i = 0; i < L; i++) {
                n[i] = t[i] + t[i ^ stride];
            }
            t = n;
        }
        assertThat(s).isEqualTo(t[0]);
    }
}
