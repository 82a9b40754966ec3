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
}
