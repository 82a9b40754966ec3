package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.router.Routers;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.MomaVariants;
import io.fusion4j.moma.ModelCost;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code fusion4j model}: total and active parameters and training FLOPs per token of a config, and the FLOPs-matched
 * MoMa variants of its dense decoder ({@code --variant moma-4t4i}, {@code --variant mod}, …), with {@code --write}
 * to save a variant as a config file for {@code train --config}.
 */
@Command(name = "model", description = "Print parameters and FLOPs per token of a config and of its FLOPs-matched variants.")
final class ModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--preset", defaultValue = "moma-dense", description = "Preset to describe (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--config", description = "A config.json to describe instead of a preset.")
    Path config;

    @Option(names = "--variant", split = ",", description = "Variants of the config's dense decoder to build: dense,"
            + " moe-8x, moma-1t1i, moma-{m}t{n}i, mod, mod-moma-{m}t{n}i (comma-separated).")
    List<String> variants;

    @Option(names = "--write", description = "With one --variant: write that variant's run config to this file.")
    Path write;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        RunConfig run;
        if (config != null) {
            if (!Files.isRegularFile(config)) {
                throw new UserInputException("--config: no such file " + config);
            }
            run = ConfigJson.read(config);
        } else {
            run = Presets.get(preset).config();
        }
        Routers routers = RouterModule.routers();
        int seq = run.train().seqLen();
        out.printf("%-18s %7s %14s %16s %14s%n", "model", "layers", "total params", "active params", "MFLOP/token");
        print(out, config != null ? config.toString() : preset, momaOf(run.model()), seq, routers, null);
        if (variants == null || variants.isEmpty()) {
            if (write != null) {
                throw new UserInputException("--write needs one --variant");
            }
            return 0;
        }
        if (write != null && variants.size() != 1) {
            throw new UserInputException("--write needs exactly one --variant, found " + variants.size());
        }
        DecoderConfig dense = momaOf(run.model()).base();
        double reference = ModelCost.of(new MomaConfig(dense, 1, null, null), seq, routers).flopsPerToken();
        for (String v : variants) {
            MomaConfig c = MomaVariants.of(v.trim(), dense, seq, routers);
            print(out, v.trim(), c, seq, routers, reference);
            if (write != null) {
                Files.writeString(write, ConfigJson.write(new RunConfig(c, run.train())));
                out.println("wrote " + write);
            }
        }
        return 0;
    }

    private static MomaConfig momaOf(ModelConfig m) {
        if (m instanceof MomaConfig c) {
            return c;
        }
        if (m instanceof DecoderConfig d) {
            return new MomaConfig(d, 1, null, null);
        }
        throw new UserInputException("model: kind '" + m.kind() + "' is not a decoder or a moma model");
    }

    private static void print(PrintWriter out, String name, MomaConfig c, int seq, Routers routers, Double reference) {
        ModelCost cost = ModelCost.of(c, seq, routers);
        out.printf("%-18s %7d %,14d %,16.0f %14.2f%s%s%n", name, c.base().layers(), cost.totalParams(),
                cost.activeParams(), cost.flopsPerToken() / 1e6,
                reference == null ? "" : String.format("  (%.3f× dense)", cost.flopsPerToken() / reference),
                cost.assumed() ? "  (an unknown router: one expert per token assumed)" : "");
    }
}
