package io.fusion4j.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class MeasurementTest {

    @Test
    void medianAndRangeOfOddAndEvenRounds() {
        Measurement odd = Measurement.of(new double[]{5, 1, 3}, "GB/s", 0);
        assertThat(odd.median()).isEqualTo(3);
        assertThat(odd.min()).isEqualTo(1);
        assertThat(odd.max()).isEqualTo(5);
        assertThat(Measurement.of(new double[]{4, 1, 3, 10}, "GB/s", 0).median()).isEqualTo(3.5);
        assertThat(odd.summary()).isEqualTo("     3.0 GB/s (1.0-5.0)");
        assertThatThrownBy(() -> Measurement.of(new double[0], "x", 0)).hasMessageContaining("at least one round");
        assertThatThrownBy(() -> new BenchRunner(0, 1, 1)).hasMessageContaining("rounds=0");
    }

    @Test
    void onlyAFigureAboveTheHeapBudgetCarriesAWarning() {
        assertThat(Measurement.of(new double[]{1}, "GFLOP/s", 32).heapWarning()).isEmpty();
        assertThat(Measurement.of(new double[]{1}, "GFLOP/s", Measurement.SUSPECT_HEAP_BYTES).heapWarning()).isEmpty();
        assertThat(Measurement.of(new double[]{1}, "GFLOP/s", 2.7e9).heapWarning()).hasValueSatisfying(w ->
                assertThat(w).startsWith("warning: 2700.0 MB of Java heap per call").contains("not representative"));
    }

    @Test
    void aGemmBenchmarkReportsAPositiveRateAndTheShape() {
        List<String> lines = new ArrayList<>();
        try (Backend b = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            KernelBenchmarks kb = new KernelBenchmarks(b, new BenchRunner(2, 0.01, 0.0), lines::add);
            Measurement m = kb.gemm(64, 32, 48, "TN");
            assertThat(m.median()).isPositive();
            assertThat(m.min()).isLessThanOrEqualTo(m.median());
            assertThat(m.max()).isGreaterThanOrEqualTo(m.median());
            assertThat(m.unit()).isEqualTo("GFLOP/s");
        }
        assertThat(lines).singleElement().asString().startsWith("gemm TN    64x   32x   48  threads 1")
                .contains("GFLOP/s").contains("B/call");
    }
}
