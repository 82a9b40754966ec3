package io.fusion4j.eval.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AllThreadsHeapTest {
    static volatile byte[] sink;

    @Test
    void countsWhatAnotherThreadAllocatedAfterItEnded() throws InterruptedException {
        long before = AllThreadsHeap.total();
        assertThat(before).as("HotSpot counts heap per thread").isPositive();
        Thread t = Thread.ofPlatform().start(() -> sink = new byte[8 << 20]);
        t.join();
        // The calling thread's own counter would not see this; the total keeps what a finished thread allocated.
        assertThat(AllThreadsHeap.total() - before).isGreaterThanOrEqualTo(8L << 20);
    }

    @Test
    void perStepDividesTheDifferenceAndSaysWhenItCannot() {
        assertThat(AllThreadsHeap.perStep(1000, 1000 + 5 * 2048, 5)).isEqualTo("2 KB/step");
        assertThat(AllThreadsHeap.perStep(-1, 5000, 5)).isEqualTo("unknown");
        assertThat(AllThreadsHeap.perStep(5000, 4000, 5)).isEqualTo("unknown");
        assertThat(AllThreadsHeap.perStep(0, 4096, 0)).isEqualTo("unknown");
    }
}
