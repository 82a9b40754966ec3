package io.fusion4j.api.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;

class BackendsTest {
    private record Fake(String name, int priority, Availability probe) implements BackendProvider {
        @Override
        public Backend create(BackendOptions options) {
            throw new UnsupportedOperationException("not created in this test");
        }
    }

    private final Backends backends = new Backends(List.of(
            new Fake("gpu", 100, Availability.no("libcuda.so.1 not found")),
            new Fake("cpu", 10, Availability.yes("ok")),
            new Fake("slow", 1, Availability.yes("ok"))));

    @Test
    void picksTheHighestPriorityAvailableBackend() {
        assertThat(backends.select(null).name()).isEqualTo("cpu");
    }

    @Test
    void anExplicitNameWins() {
        assertThat(backends.select("slow").name()).isEqualTo("slow");
    }

    @Test
    void anUnavailableNamedBackendIsAnErrorWithItsReasonNotAFallback() {
        assertThatThrownBy(() -> backends.select("gpu"))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("'gpu' is unavailable")
                .hasMessageContaining("libcuda.so.1 not found")
                .hasMessageContaining("available backends: cpu, slow");
    }

    @Test
    void aMissingBackendListsWhatWasFound() {
        assertThatThrownBy(() -> backends.select("tpu"))
                .hasMessageContaining("'tpu' was not found")
                .hasMessageContaining("gpu (unavailable: libcuda.so.1 not found)")
                .hasMessageContaining("available backends: cpu, slow");
    }

    @Test
    void noAvailableBackendIsAnError() {
        Backends none = new Backends(List.of(new Fake("gpu", 100, Availability.no("no driver"))));
        assertThatThrownBy(() -> none.select(null)).hasMessageContaining("no backend is available")
                .hasMessageContaining("no driver");
    }

    /** A provider that computes bf16 only, as the onednn plugin does. */
    private record Bf16Only(String name, int priority, Availability bf16) implements BackendProvider {
        @Override
        public Availability probe() {
            return bf16;
        }

        @Override
        public Availability probe(Precision precision) {
            return precision == Precision.BF16 ? bf16 : Availability.no("bf16 only");
        }

        @Override
        public Backend create(BackendOptions options) {
            throw new UnsupportedOperationException("not created in this test");
        }
    }

    @Test
    void bf16WithoutANamePicksTheProviderThatOffersItAndFp32NeverDoes() {
        Backends withBf16 = new Backends(List.of(new Fake("cpu", 10, Availability.yes("ok")),
                new Bf16Only("onednn", 5, Availability.yes("AVX512-BF16"))));
        assertThat(withBf16.select(null, Precision.BF16).name()).isEqualTo("onednn");
        assertThat(withBf16.select(null, Precision.FP32).name()).isEqualTo("cpu");
        assertThat(withBf16.select(null).name()).isEqualTo("cpu");
    }

    @Test
    void aNamedBackendWithoutThePrecisionSaysWhyAndWhichCan() {
        Backends withBf16 = new Backends(List.of(new Fake("cpu", 10, Availability.yes("ok")),
                new Bf16Only("onednn", 5, Availability.yes("AVX512-BF16"))));
        assertThatThrownBy(() -> withBf16.select("cpu", Precision.BF16))
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessageContaining("backend 'cpu' is unavailable for bf16 matrix products")
                .hasMessageContaining("computes matrix products in fp32 only")
                .hasMessageContaining("available backends for bf16 matrix products: onednn");
        assertThatThrownBy(() -> withBf16.select("onednn", Precision.FP32))
                .hasMessageContaining("bf16 only")
                .hasMessageContaining("available backends: cpu");
    }

    @Test
    void bf16WhereNoProviderOffersItNamesEachReason() {
        Backends noBf16 = new Backends(List.of(new Fake("cpu", 10, Availability.yes("ok")),
                new Bf16Only("onednn", 5, Availability.no("libdnnl.so.2 not found"))));
        assertThatThrownBy(() -> noBf16.select(null, Precision.BF16))
                .hasMessageContaining("no backend is available for bf16 matrix products")
                .hasMessageContaining("cpu (unavailable: backend 'cpu' computes matrix products in fp32 only)")
                .hasMessageContaining("onednn (unavailable: libdnnl.so.2 not found)");
    }

    @Test
    void precisionLabelsParseAndABadOneNamesTheArgument() {
        assertThat(Precision.parse(" BF16 ", "--precision")).isEqualTo(Precision.BF16);
        assertThat(Precision.parse("fp32", "--precision")).isEqualTo(Precision.FP32);
        assertThatThrownBy(() -> Precision.parse("fp16", "--precision"))
                .hasMessage("--precision: expected one of fp32, bf16, found 'fp16'");
    }
}
