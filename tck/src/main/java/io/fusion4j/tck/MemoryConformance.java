package io.fusion4j.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.BackendProvider;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Discovery, host copies, dtype conversion, views and step arenas. */
public abstract class MemoryConformance extends ConformanceBase {

    @Test
    void providerIsDiscoveredAndAvailable() {
        BackendProvider p = Backends.discover().providers().stream()
                .filter(x -> x.name().equals(providerName())).findFirst().orElseThrow();
        Availability a = p.probe();
        assertThat(a.available()).as("probe: " + a.reason()).isTrue();
        assertThat(backend.name()).isEqualTo(providerName());
    }

    @Test
    void allocateIsZeroFilledAndHostCopiesRoundTrip() {
        float[] x = uniform(rng("copy"), 37, -3, 3);
        Tensor t = backend.allocate(DType.F32, Shape.of(37));
        assertThat(read(t)).containsOnly(0f);
        backend.copyFromHost(x, t);
        assertThat(read(t)).containsExactly(x);
        int[] ids = {5, -1, 7, Integer.MAX_VALUE};
        assertThat(readInts(ints(ids, 4))).containsExactly(ids);
    }

    @Test
    void bf16StorageRoundsToNearestEven() {
        float[] x = {1f, 1.00390625f /* exactly half an ulp above 1: ties to even, down */, 1.01171875f /* tie, up */,
                -2.5f, 3.0e38f, Float.MIN_NORMAL, 0.1f};
        Tensor h = backend.allocate(DType.BF16, Shape.of(x.length));
        backend.copyFromHost(x, h);
        float[] back = read(h);
        for (int i = 0; i < x.length; i++) {
            assertThat(back[i]).as("element " + i).isEqualTo(DType.fromBf16(DType.toBf16(x[i])));
        }
        assertThat(back[1]).isEqualTo(1f);
        assertThat(back[2]).isEqualTo(1.015625f);
        // F32 -> BF16 -> F32 through device copies gives the same bits as the host path.
        Tensor f = tensor(x, x.length);
        Tensor h2 = backend.allocate(DType.BF16, Shape.of(x.length));
        Tensor f2 = zeros(x.length);
        backend.copy(f, h2);
        backend.copy(h2, f2);
        assertThat(read(f2)).containsExactly(back);
    }

    @Test
    void viewsShareStorage() {
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Tensor t = tensor(x, 4, 6);
        Tensor rows = t.slice(1, 3);
        assertThat(read(rows)).containsExactly(6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17);
        backend.fill(rows.reshape(12), -1f);
        assertThat(read(t)[6]).isEqualTo(-1f);
        assertThat(read(t)[5]).isEqualTo(5f);
        assertThat(read(t)[18]).isEqualTo(18f);
        assertThat(t.select(3).shape()).isEqualTo(Shape.of(6));
        assertThat(t.t().shape()).isEqualTo(Shape.of(6, 4));
        assertThatThrownBy(() -> t.reshape(5, 5)).hasMessageContaining("[4, 6]").hasMessageContaining("[5, 5]");
    }

    @Test
    void arenaTensorsDieOnReleaseAndMemoryIsReused() {
        try (StepArena arena = backend.newArena()) {
            long cap = 0;
            for (int step = 0; step < 4; step++) {
                Tensor a = arena.allocateZeroed(DType.F32, Shape.of(64, 33));
                Tensor b = arena.allocate(DType.F32, Shape.of(1000));
                Tensor c = arena.allocate(DType.I32, Shape.of(10));
                backend.fill(b, 2f);
                assertThat(read(a)).containsOnly(0f);
                assertThat(arena.bytesInUse()).isGreaterThanOrEqualTo((64 * 33 + 1000 + 10) * 4L);
                arena.release();
                Tensor dead = b;
                assertThatThrownBy(() -> backend.fill(dead, 1f)).hasMessageContaining("released");
                assertThatThrownBy(() -> backend.scale(a, 2f, a)).hasMessageContaining("argument 'a'")
                        .hasMessageContaining("released");
                assertThatThrownBy(c::checkLive).hasMessageContaining("released");
                if (step == 1) {
                    cap = arena.capacityBytes();
                } else if (step > 1) {
                    assertThat(arena.capacityBytes()).as("arena grows after warm-up").isEqualTo(cap);
                }
            }
        }
    }

    @Test
    void arenaCapacityStopsGrowingAfterTheFirstStep() {
        try (StepArena arena = backend.newArena()) {
            long[] caps = new long[4];
            for (int step = 0; step < 4; step++) {
                arena.allocate(DType.F32, Shape.of(5000));
                arena.allocate(DType.F32, Shape.of(7, 9));
                arena.allocate(DType.I32, Shape.of(100));
                arena.release();
                caps[step] = arena.capacityBytes();
            }
            assertThat(caps[1]).isGreaterThanOrEqualTo((5000 + 63 + 100) * 4L);
            assertThat(caps[2]).isEqualTo(caps[1]);
            assertThat(caps[3]).isEqualTo(caps[1]);
        }
    }

    @Test
    void badCopiesNameTheArgument() {
        Tensor t = zeros(3);
        assertThatThrownBy(() -> backend.copyFromHost(new float[4], t)).hasMessageContaining("copyFromHost")
                .hasMessageContaining("3").hasMessageContaining("4");
        Tensor i = ints(new int[3], 3);
        assertThatThrownBy(() -> backend.copy(i, t)).hasMessageContaining("copy").hasMessageContaining("I32");
    }
}
