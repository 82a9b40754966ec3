package io.fusion4j.eval.suite;

import io.fusion4j.api.UserInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SuiteRunnerTest {
    private final List<List<String>> ran = new ArrayList<>();
    private final StringWriter text = new StringWriter();

    private static SuiteStep step(String id, String... args) {
        return new SuiteStep(id, null, SuiteStep.Role.DATA, List.of(List.of(args), List.of("second", id)), 1);
    }

    @Test
    void aRerunSkipsWhatFinishedAndRunsTheRest(@TempDir Path dir) throws Exception {
        List<SuiteStep> plan = List.of(step("a", "train", "x"), step("b", "train", "y"));
        AtomicBoolean stop = new AtomicBoolean();
        // The first command of b asks to stop (as Ctrl-C during its training would): b is not marked done.
        SuiteRunner first = new SuiteRunner(dir, args -> {
            ran.add(args);
            if (args.equals(List.of("train", "y"))) {
                stop.set(true);
            }
            return 0;
        }, new PrintWriter(text, true), stop::get);
        assertThat(first.run(plan)).isFalse();
        assertThat(ran).containsExactly(List.of("train", "x"), List.of("second", "a"), List.of("train", "y"));

        ran.clear();
        stop.set(false);
        SuiteRunner again = new SuiteRunner(dir, args -> {
            ran.add(args);
            return 0;
        }, new PrintWriter(text, true), stop::get);
        assertThat(again.run(plan)).isTrue();
        // a is skipped whole; b's interrupted command runs again (train resumes), then its second one.
        assertThat(ran).containsExactly(List.of("train", "y"), List.of("second", "b"));
        assertThat(text.toString()).contains("[1/2] a: done (skipped)").contains("all 2 steps done");

        ran.clear();
        assertThat(again.run(plan)).isTrue();
        assertThat(ran).isEmpty();
    }

    @Test
    void aFailingCommandStopsTheSuiteNamingIt(@TempDir Path dir) {
        SuiteRunner r = new SuiteRunner(dir, args -> args.getFirst().equals("bad") ? 2 : 0,
                new PrintWriter(text, true), () -> false);
        assertThatThrownBy(() -> r.run(List.of(step("ok", "good"), step("broken", "bad", "--x"))))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("suite step broken failed: `fusion4j bad --x` exited with 2");
    }

    @Test
    void aFolderMadeWithOtherSettingsIsRefused(@TempDir Path dir) throws Exception {
        new SuiteRunner(dir, args -> 0, new PrintWriter(text, true), () -> false).run(List.of(step("a", "train",
                "--steps", "30")));
        SuiteRunner other = new SuiteRunner(dir, args -> 0, new PrintWriter(text, true), () -> false);
        assertThatThrownBy(() -> other.run(List.of(step("a", "train", "--steps", "300"))))
                .isInstanceOf(UserInputException.class)
                .hasMessageContaining("holds a suite run with other settings: step a ran");
    }

    @Test
    void theBarAndClockSayWhereTheSuiteIs() {
        assertThat(SuiteRunner.bar(0.5)).isEqualTo("[" + "#".repeat(12) + ".".repeat(12) + "]");
        assertThat(SuiteRunner.clock(3725)).isEqualTo("1:02:05");
        assertThat(SuiteRunner.clock(65)).isEqualTo("1:05");
    }
}
