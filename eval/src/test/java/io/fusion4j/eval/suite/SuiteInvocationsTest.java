package io.fusion4j.eval.suite;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;

class SuiteInvocationsTest {
    @Test
    void totalsEveryRecordedInvocationAndSkipsAHalfWrittenLine(@TempDir Path dir) throws Exception {
        assertThat(SuiteInvocations.total(dir).invocations()).isZero();
        SuiteInvocations.record(dir, Instant.parse("2026-12-01T10:00:00Z"), 120.5, false);
        SuiteInvocations.record(dir, Instant.parse("2026-12-01T11:00:00Z"), 30.25, true);
        assertThat(SuiteInvocations.total(dir)).isEqualTo(new SuiteInvocations.Total(2, 150.75, List.of(SuiteReport.commit())));
        // A crash mid-line leaves a fragment: it counts as nothing, the lines before it still count.
        Files.writeString(dir.resolve(SuiteInvocations.FILE), "{\"started\":\"2026-12-01T12:00:00Z\",\"sec",
                StandardOpenOption.APPEND);
        assertThat(SuiteInvocations.total(dir)).isEqualTo(new SuiteInvocations.Total(2, 150.75, List.of(SuiteReport.commit())));
        // The next invocation after the fragment is still counted.
        SuiteInvocations.record(dir, Instant.parse("2026-12-01T13:00:00Z"), 9.25, true);
        assertThat(SuiteInvocations.total(dir)).isEqualTo(new SuiteInvocations.Total(3, 160.0, List.of(SuiteReport.commit())));
        assertThat(Files.readString(dir.resolve(SuiteInvocations.FILE))).contains("\"finished\":false")
                .contains("\"finished\":true");
    }
}
