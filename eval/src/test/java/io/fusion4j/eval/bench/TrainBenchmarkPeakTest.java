package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.backend.PeakFlops;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which peak an MFU figure is a share of: the backend's own when it has one, else PERF.md's, said as assumed. */
class TrainBenchmarkPeakTest {
    @Test
    void theCpuBackendsMeasuredPeakIsUsedAndAnUnknownOneIsSaidToBeAssumed() {
        try (Backend cpu = Backends.discover().create("cpu", BackendOptions.withThreads(2))) {
            PeakFlops p = TrainBenchmark.peak(cpu);
            assertThat(p.source()).startsWith("measured: fp32 FMA loop, 2 threads");
            Backend unknown = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[]{Backend.class}, (proxy, m, args) -> m.getName().endsWith("Peak")
                            ? Optional.empty() : m.invoke(cpu, args));
            PeakFlops assumed = TrainBenchmark.peak(unknown);
            assertThat(assumed.gigaflops()).isEqualTo(420.0);
            assertThat(assumed.source()).isEqualTo("assumed: 210 GFLOP/s a core, PERF.md's AMD Zen 5");
        }
    }

    @Test
    void aBf16BackendWithoutABf16PeakIsShownAgainstFp32AndSaysSo() {
        try (Backend cpu = Backends.discover().create("cpu", BackendOptions.withThreads(1))) {
            Backend bf16 = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                    new Class<?>[]{Backend.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "precision" -> io.fusion4j.api.backend.Precision.BF16;
                        case "matmulPeak" -> Optional.empty();
                        default -> m.invoke(cpu, args);
                    });
            PeakFlops p = TrainBenchmark.peak(bf16);
            assertThat(p.gigaflops()).isEqualTo(cpu.fp32Peak().orElseThrow().gigaflops());
            assertThat(p.source()).startsWith("the fp32 peak, no bf16 peak known: measured: fp32 FMA loop, 1 thread,");
        }
    }
}
