package io.fusion4j.tensor.onednn;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.tensor.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/** The parts of the plugin that run without libdnnl: rounding, the write-back, chunk heights, the missing-file reason. */
class OneDnnWithoutLibraryTest {
    private static float[] uniform(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (2 * r.nextDouble() - 1);
        }
        return x;
    }

    @Test
    void roundingMatchesDTypeToBf16LaneByLane() {
        SplittableRandom r = new SplittableRandom(11);
        int[] special = {0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc00001, 0x7fbfffff,
                0x00000001, 0x807fffff, 0x3f808000, 0x3f818000, 0x3f80ffff, 0x7f7fffff, 0xff7fffff, 0x3f7f8000};
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = Float.intBitsToFloat(i < special.length * 3 ? special[i % special.length] : r.nextInt());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(2L * x.length);
            Bf16Rounding.round(x, 3, 1, 997, dst, 0);
            for (int i = 0; i < 997; i++) {
                assertThat(dst.getAtIndex(ValueLayout.JAVA_SHORT, i)).as("lane %d (0x%08x)", i, Float.floatToRawIntBits(x[3 + i]))
                        .isEqualTo(DType.toBf16(x[3 + i]));
            }
            // A strided source gives what the vector path gives on the same values gathered.
            float[] gathered = new float[300];
            for (int i = 0; i < 300; i++) {
                gathered[i] = x[1 + 3 * i];
            }
            MemorySegment contiguous = arena.allocate(2L * 300);
            Bf16Rounding.round(gathered, 0, 1, 300, contiguous, 0);
            Bf16Rounding.round(x, 1, 3, 300, dst, 5);
            for (int i = 0; i < 300; i++) {
                assertThat(dst.getAtIndex(ValueLayout.JAVA_SHORT, 5 + i)).isEqualTo(contiguous.getAtIndex(ValueLayout.JAVA_SHORT, i))
                        .isEqualTo(DType.toBf16(x[1 + 3 * i]));
            }
        }
    }

    @Test
    void storeScalesByAlphaAddsBetaTimesCAndIgnoresCWhenBetaIsZero() {
        SplittableRandom r = new SplittableRandom(12);
        int n = 53;
        float[] res = uniform(r, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(4L * (n + 2));
            for (int i = 0; i < n; i++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, 2 + i, res[i]);
            }
            float[] c = new float[n + 1];
            java.util.Arrays.fill(c, Float.NaN);
            Bf16Rounding.store(seg, 2, c, 1, n, 0.5f, 0f);
            for (int i = 0; i < n; i++) {
                assertThat(c[1 + i]).isEqualTo(0.5f * res[i]);
            }
            assertThat(c[0]).isNaN();
            float[] old = c.clone();
            Bf16Rounding.store(seg, 2, c, 1, n, 2f, -0.25f);
            for (int i = 0; i < n; i++) {
                assertThat(c[1 + i]).isEqualTo(Math.fma(2f, res[i], -0.25f * old[1 + i]));
            }
        }
    }

    @Test
    void chunkHeightsArePowersOfTwoFromSixteenTo128() {
        assertThat(OneDnnMatmul.padded(1)).isEqualTo(16);
        assertThat(OneDnnMatmul.padded(16)).isEqualTo(16);
        assertThat(OneDnnMatmul.padded(17)).isEqualTo(32);
        assertThat(OneDnnMatmul.padded(44)).isEqualTo(64);
        assertThat(OneDnnMatmul.padded(65)).isEqualTo(128);
        assertThat(OneDnnMatmul.padded(128)).isEqualTo(128);
    }

    @Test
    void aNamedLibraryThatDoesNotExistIsNamedInTheReason() {
        assertThat(OneDnnLibrary.open("/nonexistent/libdnnl.so.2"))
                .isEqualTo("the oneDNN library named by fusion4j.onednn.library/FUSION4J_ONEDNN_LIBRARY does not exist:"
                        + " /nonexistent/libdnnl.so.2");
    }
}
