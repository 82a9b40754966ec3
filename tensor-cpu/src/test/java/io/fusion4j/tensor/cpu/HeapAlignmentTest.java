package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HeapAlignmentTest {
    @Test
    void seesAddressesWhenNativeAccessIsEnabled() {
        // The test JVM enables native access for this module (tensor-cpu/pom.xml), as the launcher does.
        assertThat(HeapAlignment.available()).isTrue();
    }

    @Test
    void alignedStartsAreWholeFloatsWithinOneLineAndFollowTheHeapsEightByteGrain() {
        Set<Integer> seen = new HashSet<>();
        float[][] keep = new float[64][];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = new float[100 + 3 * i];
            int start = HeapAlignment.alignedStart(keep[i]);
            assertThat(start).isBetween(0, 15);
            // Objects are 8-byte aligned, so an element address is a multiple of 8 plus a fixed header:
            // starts are all even or all odd, never a mix.
            seen.add(start);
        }
        assertThat(seen.stream().map(s -> s % 2).distinct().count()).isEqualTo(1);
        // Arrays of different lengths land on different lines offsets: a constant answer would mean the
        // address is not being read at all.
        assertThat(seen).hasSizeGreaterThan(1);
    }

    @Test
    void arenaTensorsStartOnALineOfTheirSlab() {
        try (CpuArena arena = new CpuArena()) {
            for (int step = 0; step < 3; step++) {
                // Odd sizes, so that only the arena's rounding keeps later tensors on lines.
                Tensor[] ts = {arena.allocate(DType.F32, Shape.of(37)), arena.allocate(DType.F32, Shape.of(5, 7)),
                        arena.allocate(DType.F32, Shape.of(1000))};
                for (Tensor t : ts) {
                    float[] slab = ((CpuStorage) t.storage()).f;
                    assertThat((t.offset() - HeapAlignment.alignedStart(slab)) % 16)
                            .as("step %d, tensor %s at offset %d", step, t.shape(), t.offset()).isZero();
                    assertThat(t.offset() + t.numel()).isLessThanOrEqualTo(slab.length);
                }
                arena.release();
            }
        }
    }

    @Test
    void anEmptyArrayHasStartZero() {
        assertThat(HeapAlignment.alignedStart(new float[0])).isZero();
    }
}
