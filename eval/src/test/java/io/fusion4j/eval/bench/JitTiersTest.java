package io.fusion4j.eval.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The heap warning's JIT line: which backend methods have only C1 code, read from HotSpot's code list. */
class JitTiersTest {
    @Test
    void methodsWithOnlyLiveC1CodeAreNamedWithTheirBestTier() {
        String list = String.join("\n",
                "3633 4 0 io.fusion4j.tensor.cpu.FlashAttention.scoreLike([F[FIIF)V [0x1, 0x2 - 0x3]",
                "3001 3 0 io.fusion4j.tensor.cpu.FlashAttention.scoreLike([F[FIIF)V [0x4, 0x5 - 0x6]",
                "2785 3 0 io.fusion4j.tensor.cpu.IndexKernels.scatterAddRows([FI[II)V [0x7, 0x8 - 0x9]",
                "2786 2 0 io.fusion4j.tensor.cpu.IndexKernels.scatterAddRows([FI[II)V [0xa, 0xb - 0xc]",
                // Not entrant (state 1): its C2 code no longer runs, so the C1 code is what runs.
                "2790 4 1 io.fusion4j.tensor.cpu.RowKernels.max([FII)F [0xd, 0xe - 0xf]",
                "2791 1 0 io.fusion4j.tensor.cpu.RowKernels.max([FII)F [0x10, 0x11 - 0x12]",
                "2792 3 0 java.lang.String.hashCode()I [0x13, 0x14 - 0x15]",
                // Trivial accessors stay at tier 1 in every run: no float array or vector taken, not a kernel.
                "2794 1 0 io.fusion4j.tensor.cpu.CpuBackend.f(Lio/fusion4j/api/tensor/Tensor;)[F [0x19, 0x1a - 0x1b]",
                "2795 1 0 io.fusion4j.tensor.cpu.Elementwise.exp(Ljdk/incubator/vector/FloatVector;)V [0x1c, 0x1d - 0x1e]",
                // Level 0: a native method's wrapper, with no Java code for C1 or C2.
                "2793 0 0 io.fusion4j.tensor.cpu.Native.call()V [0x16, 0x17 - 0x18]",
                "not a code line");
        assertThat(JitTiers.c1Only(list, "io.fusion4j.tensor")).containsExactly(
                "io.fusion4j.tensor.cpu.Elementwise.exp(Ljdk/incubator/vector/FloatVector;)V (tier 1)",
                "io.fusion4j.tensor.cpu.IndexKernels.scatterAddRows([FI[II)V (tier 3)",
                "io.fusion4j.tensor.cpu.RowKernels.max([FII)F (tier 1)");
    }

    @Test
    void thisJvmsCodeListIsReadInProcess() {
        // The test JVM has long since compiled String methods; HotSpot's list names them.
        String list = JitTiers.codeList().orElseThrow();
        assertThat(list).contains("java.lang.String.");
        List<String> c1 = JitTiers.c1Only(list, "java.lang.");
        assertThat(c1).allSatisfy(m -> assertThat(m).startsWith("java.lang.").containsPattern("\\(tier [1-3]\\)$"));
        assertThat(JitTiers.explain("io.fusion4j.nothing.here")).hasValueSatisfying(s -> assertThat(s)
                .startsWith("jit: every compiled kernel of io.fusion4j.nothing.here has C2 code"));
    }
}
