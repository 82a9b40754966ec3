package io.fusion4j.tensor.onednn;

import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.tck.BackendConformanceSuite;

/**
 * The onednn backend passes the whole conformance kit in bf16, with the kit's stated bf16 tolerances for what
 * passes through a matrix product. Skipped, with the probe's reason, where libdnnl 2.x or bf16 instructions are
 * missing.
 */
class OneDnnConformanceTest extends BackendConformanceSuite {
    @Override
    protected String providerName() {
        return OneDnnBackendProvider.NAME;
    }

    @Override
    protected BackendOptions options() {
        return BackendOptions.defaults().withPrecision(Precision.BF16);
    }

    @Override
    protected boolean skipWhenUnavailable() {
        return true;
    }
}
