package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.eval.data.fetch.DatasetCache;
import io.fusion4j.eval.models.Models;
import io.fusion4j.eval.suite.SuiteEvaluation;
import io.fusion4j.eval.suite.SuiteImages;
import io.fusion4j.eval.suite.SuiteInvocations;
import io.fusion4j.eval.suite.SuitePlan;
import io.fusion4j.eval.suite.SuitePreset;
import io.fusion4j.eval.suite.SuiteReport;
import io.fusion4j.eval.suite.SuiteRunner;
import io.fusion4j.eval.suite.SuiteSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code fusion4j eval}: trains every variant a suite compares (as the {@code fusion4j} commands the report lists),
 * scores them and writes the report. Rerunning the same command skips what finished and resumes what was stopped;
 * Ctrl-C stops at a step boundary.
 */
@Command(name = "eval", description = "Rerun the papers' comparisons at small scale: train every variant of a suite,"
        + " score them, write report.md, report.html and summary.json (rerun the same command to resume).")
final class EvalCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--suite", defaultValue = "all", description = "moma, transfusion or all (default: ${DEFAULT-VALUE}).")
    String suite;

    @Option(names = "--preset", defaultValue = "smoke", description = "smoke (minutes), quick (under 45 minutes on 2"
            + " cores) or full (a GPU or a long night) (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--dataset", defaultValue = "shapes", description = "Image-caption data: shapes (built in), mnist"
            + " or emoji (fetched first with 'fusion4j data fetch'); the Transfusion suite's image metrics use a"
            + " classifier of its labels, the MoMa suite also takes a folder of PNGs (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--seeds", description = "Seeds per variant (default: the preset's: smoke 1, quick 2, full 3).")
    Integer seeds;

    @Option(names = "--out", description = "The suite's folder (default: runs/eval-SUITE-PRESET).")
    Path out;

    @Option(names = "--threads", description = "CPU threads for every run (default: all processors).")
    Integer threads;

    @Mixin
    BackendName backend;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        SuitePreset p = SuitePreset.of(preset);
        int n = seeds != null ? seeds : p.budget().seeds();
        if (n < 1 || n > 10) {
            throw new UserInputException("--seeds must be in [1, 10], found " + n);
        }
        if (threads != null && threads < 0) {
            throw new UserInputException("--threads must be >= 0 (0 for all processors), found " + threads);
        }
        Path dir = out != null ? out : Path.of("runs", "eval-" + suite + "-" + p.label());
        // Read the scoring data before any training, so a dataset without a classifier, not fetched, or too small for
        // the budget fails now.
        SuiteImages images = suite.equals("moma") ? null : SuiteImages.of(dataset,
                new DatasetCache(DatasetCache.rootFor(null)));
        if (images != null) {
            images.check(p.budget());
        }
        SuiteSettings settings = new SuiteSettings(suite, p.label(), dataset, n);
        List<String> backendArgs = backendArgs();
        SuitePlan plan = SuitePlan.of(suite, dir, dataset, p.budget(), n, backendArgs);
        settings.claim(dir);
        AtomicBoolean stopping = new AtomicBoolean();
        // Ctrl-C: the run in progress stops at its step boundary (train's own hook); this one waits for the loop to
        // see the flag and return, so nothing starts after the checkpoint.
        try (StopOnShutdown _ = StopOnShutdown.install(() -> stopping.set(true))) {
            return run(plan, images, settings, dir, p, backendArgs, stopping, o);
        }
    }

    private int run(SuitePlan plan, SuiteImages images, SuiteSettings settings, Path dir, SuitePreset p, List<String> backendArgs,
                    AtomicBoolean stopping, PrintWriter o) throws Exception {
        long started = System.nanoTime();
        java.time.Instant startedAt = java.time.Instant.now();
        boolean recorded = false;
        try {
            o.printf("eval %s: %d steps into %s (%s)%n", settings.describe(), plan.steps().size(), dir, p.budget());
            PrintWriter err = spec.commandLine().getErr();
            SuiteRunner runner = new SuiteRunner(dir, args -> Main.commandLine(o, err, false)
                    .execute(args.toArray(String[]::new)), o, stopping::get);
            if (!runner.run(plan.steps())) {
                return 130;
            }
            if (images != null) {
                Models models = Models.standard(RouterModule.routers());
                try (Backend b = backend.create(threads == null ? 0 : threads)) {
                    if (!new SuiteEvaluation(plan, images, dir, b, models, o, stopping::get).run()) {
                        o.println("stopped: rerun the same eval command to finish the scoring");
                        return 130;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            SuiteInvocations.record(dir, startedAt, seconds, true);
            recorded = true;
            var written = SuiteReport.write(plan, dir, settings, backendArgs, seconds);
            o.printf("report: %s and %s (summary: %s)%n", written.markdown(), written.html(),
                    dir.resolve(SuiteReport.SUMMARY));
            return 0;
        } finally {
            if (!recorded) {
                // A stopped or failed invocation spent its time too: the report's total includes it.
                SuiteInvocations.record(dir, startedAt, (System.nanoTime() - started) / 1e9, false);
            }
        }
    }

    private List<String> backendArgs() {
        List<String> a = new ArrayList<>();
        if (backend.name != null) {
            a.addAll(List.of("--backend", backend.name));
        }
        if (threads != null) {
            a.addAll(List.of("--threads", Integer.toString(threads)));
        }
        return a;
    }
}
