package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.eval.bench.BenchRunner;
import io.fusion4j.eval.bench.KernelBenchmarks;
import io.fusion4j.eval.bench.Measurement;
import io.fusion4j.eval.bench.SampleBenchmark;
import io.fusion4j.eval.bench.TrainBenchmark;
import io.fusion4j.eval.bench.TrainComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code fusion4j bench gemm|attention|ops|train|sample}: the PERF.md kernel, training and sampling benchmarks. */
@Command(name = "bench", description = "Benchmark kernels: gemm (GFLOP/s), attention (GFLOP/s), ops (GB/s); train (tokens/s); sample (images/s: Transfusion DDIM with guidance on the transfusion bench model).")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", description = "What to benchmark: ${COMPLETION-CANDIDATES}")
    Target target;

    @Mixin
    BackendName backendName;

    @Option(names = "--threads", split = ",", description = "Thread counts to run, e.g. 1,2 (default: 1 and all processors).")
    List<Integer> threads;

    @Option(names = "--precision", defaultValue = "fp32", description = "Matrix products in fp32 or bf16 (bf16 needs a"
            + " backend that offers it, e.g. onednn; without --backend the one that does is chosen) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--rounds", defaultValue = "5", description = "Timed rounds per figure; bench train with several --config values: rounds of the configs in turn (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--seconds", defaultValue = "0.25", description = "Seconds per timed round (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--forms", split = ",", defaultValue = "NN,NT,TN", description = "GEMM forms (default: ${DEFAULT-VALUE}).")
    List<String> forms;

    @Option(names = "--shapes", split = ",",
            description = "bench gemm: shapes as MxKxN, e.g. 2048x256x1024 (default: the PERF.md shapes).")
    List<String> shapes;

    @Option(names = "--config", split = ",", defaultValue = "dense", description = "bench train: dense, moe_ec, moma, mod, transfusion (the models of ../shared/bench/torch_train.py) or a preset (default: ${DEFAULT-VALUE}). Several, comma-separated, run in turn for --rounds rounds in one JVM and print each one's step time over the first's.")
    List<String> trainConfig;

    @Option(names = "--steps", defaultValue = "20", description = "bench train: timed steps (default: ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--warmup", defaultValue = "100", description = "bench train: untimed warm-up steps; the JIT needs about 100 steps of an MoE model to settle (default: ${DEFAULT-VALUE}).")
    int trainWarmup;

    @Option(names = "--kernel-times", description = "bench train: also print the time each kernel took over the timed"
            + " steps and the heap it allocated on the calling thread (through a timing proxy; the run's own heap"
            + " figure is then not representative).")
    boolean kernelTimes;

    @Option(names = "--images", defaultValue = "3", description = "bench sample: timed images (default: ${DEFAULT-VALUE}).")
    int sampleImages;

    @Option(names = "--warmup-images", defaultValue = "2", description = "bench sample: untimed warm-up images (default: ${DEFAULT-VALUE}).")
    int sampleWarmup;

    @Option(names = "--sample-steps", defaultValue = "50", description = "bench sample: DDIM steps per image (default: ${DEFAULT-VALUE}).")
    int sampleSteps;

    @Option(names = "--guidance", defaultValue = "3", description = "bench sample: classifier-free guidance scale w; 1 runs one branch (default: ${DEFAULT-VALUE}).")
    double guidance;

    enum Target { gemm, attention, ops, train, sample }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Set<Integer> counts = new LinkedHashSet<>();
        if (threads == null || threads.isEmpty()) {
            counts.add(1);
            counts.add(Runtime.getRuntime().availableProcessors());
        } else {
            for (int t : threads) {
                if (t < 1 || t > BackendChoice.MAX_THREADS) {
                    throw new UserInputException("--threads: thread counts must be in [1, " + BackendChoice.MAX_THREADS
                            + "], found " + t);
                }
                counts.add(t);
            }
        }
        for (String f : forms) {
            if (!f.matches("[NT][NT]")) {
                throw new UserInputException("--forms: expected NN, NT, TN or TT, found " + f);
            }
        }
        if (target == Target.train && trainConfig.size() > 1) {
            if (kernelTimes) {
                throw new UserInputException("--kernel-times: times one config at a time, found " + trainConfig.size()
                        + " in --config " + String.join(",", trainConfig));
            }
            if (rounds < 1) {
                throw new UserInputException("--rounds: expected at least 1 round of the configs in turn, found " + rounds);
            }
        }
        io.fusion4j.api.backend.Precision products = io.fusion4j.api.backend.Precision.parse(precision, "--precision");
        List<int[]> gemmShapes = shapes == null || shapes.isEmpty() ? KernelBenchmarks.GEMM_SHAPES : parseShapes(shapes);
        // At least 2 s: C2 needs that long for the big kernels on two busy cores, and C1 code is slow but steady.
        BenchRunner runner = new BenchRunner(rounds, seconds, Math.max(2.0, seconds));
        for (int t : counts) {
            try (Backend backend = backendName.create(t, products)) {
                out.printf("# backend %s: %s%n", backend.name(), backend.deviceDescription());
                out.flush();
                Consumer<String> lines = line -> {
                    out.println(line);
                    out.flush();
                };
                KernelBenchmarks kb = new KernelBenchmarks(backend, runner, lines);
                switch (target) {
                    case gemm -> {
                        for (String form : forms) {
                            for (int[] s : gemmShapes) {
                                kb.gemm(s[0], s[1], s[2], form);
                            }
                        }
                    }
                    case attention -> {
                        Measurement[] a = kb.attention(8, 4, 256, 64);
                        Measurement ref = kb.gemm(1024, 1024, 1024, "NN");
                        out.printf("attention fwd+bwd at %.0f%% of the sgemm rate (1024^3 NN, same threads, same run)%n",
                                100 * a[2].median() / ref.median());
                    }
                    case ops -> kb.ops(1 << 23);
                    case train -> {
                        if (trainConfig.size() == 1) {
                            new TrainBenchmark(backend, lines).run(trainConfig.getFirst(), trainWarmup, trainSteps, kernelTimes);
                        } else {
                            new TrainComparison(backend, lines).run(trainConfig, trainWarmup, trainSteps, rounds);
                        }
                    }
                    case sample -> new SampleBenchmark(backend, lines).run(sampleWarmup, sampleImages, sampleSteps, guidance);
                }
            }
        }
        return 0;
    }

    private static List<int[]> parseShapes(List<String> specs) {
        List<int[]> parsed = new java.util.ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split("x");
            if (parts.length != 3) {
                throw new UserInputException("--shapes: expected MxKxN (three positive integers joined by x), found " + spec);
            }
            int[] s = new int[3];
            for (int i = 0; i < 3; i++) {
                try {
                    s[i] = Integer.parseInt(parts[i]);
                } catch (NumberFormatException e) {
                    s[i] = -1;
                }
                if (s[i] < 1) {
                    throw new UserInputException("--shapes: expected MxKxN (three positive integers joined by x), found " + spec);
                }
            }
            // A, B and C as F32 (plus packing): refuse what cannot fit rather than die of an out-of-memory mid-run.
            long bytes = 4L * ((long) s[0] * s[1] + (long) s[1] * s[2] + (long) s[0] * s[2]);
            long free = Runtime.getRuntime().maxMemory() / 2;
            if (bytes > free) {
                throw new UserInputException("--shapes: " + spec + " needs " + (bytes >> 20) + " MiB of operands, more than"
                        + " the " + (free >> 20) + " MiB this JVM can spare (raise -Xmx in FUSION4J_JAVA_OPTS)");
            }
            parsed.add(s);
        }
        return parsed;
    }
}
