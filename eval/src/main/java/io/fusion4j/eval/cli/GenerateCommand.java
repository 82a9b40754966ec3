package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.generate.GenerationEvent;
import io.fusion4j.api.generate.TextGenerator;
import io.fusion4j.api.generate.TokenSampler;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.text.ByteBpeTokenizer;
import io.fusion4j.eval.generate.Generation;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.eval.models.AuxiliaryRouterFiles;
import io.fusion4j.eval.models.Models;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.moma.auxiliary.AuxiliaryRouters;
import io.fusion4j.eval.config.ConfigJson;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.eval.data.TextCorpus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code fusion4j generate}: continues a prompt with the newest checkpoint of a run. */
@Command(name = "generate", description = "Generate text from the newest checkpoint of a training run (KV-cached decoding).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--run", defaultValue = "runs/tiny", description = "Run folder written by 'train' (default: ${DEFAULT-VALUE}).")
    Path run;

    @Option(names = "--prompt", defaultValue = "The", description = "Text to continue (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "40", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy decoding (default), else the sampling temperature.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus sampling mass (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    BackendChoice backendChoice;

    @Option(names = "--allow-non-finite", description = "Load weights that hold NaN or Inf (to inspect a diverged run).")
    boolean allowNonFinite;

    /** A checkpoint that verified and the decoder built from it. */
    private record Ready(Path folder, Decoder decoder, ByteBpeTokenizer tokenizer, int context) {
    }

    @Override
    public Integer call() throws Exception {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new UserInputException("--temperature must be a finite number >= 0 (0 for greedy), found " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new UserInputException("--top-p must be in (0, 1], found " + topP);
        }
        if (maxTokens < 0) {
            throw new UserInputException("--max-tokens must be >= 0, found " + maxTokens);
        }
        if (!Files.isDirectory(run)) {
            throw new UserInputException("--run " + run + ": no such folder" + (Files.exists(run) ? " (it is a file)" : ""));
        }
        CheckpointStore store = new CheckpointStore(run, 2);
        if (store.checkpoints().isEmpty()) {
            throw new UserInputException("--run " + run + " has no checkpoint; train into it first");
        }
        PrintWriter out = spec.commandLine().getOut();
        Models models = Models.standard(RouterModule.routers());
        refuseNonCausal(models, store.checkpoints().getLast());
        try (Backend backend = backendChoice.create()) {
            // The newest checkpoint that verifies, built from its own verified config; a bad one is skipped loudly.
            // Verified once here: its files are then read as they are (the manifest check hashes every one).
            Ready loaded = store.latest(folder -> {
                CheckpointStore.verify(folder);
                RunConfig cfg = ConfigJson.read(folder.resolve("config.json"));
                Decoder d = models.builder(cfg.model()).decoder(cfg.model());
                d.parameters().allocate(backend, 0);
                // Weights only: generation needs no optimizer moments.
                WeightLoader.load(folder.resolve("model.safetensors"), backend, d.parameters(), NameMapping.identity(),
                        Strictness.STRICT, allowNonFinite);
                // The checkpoint's own tokenizer; the run folder's for checkpoints written before they held one.
                Path own = folder.resolve(TextCorpus.TOKENIZER_FILE);
                Path tokFile = Files.isRegularFile(own) ? own : run.resolve(TextCorpus.TOKENIZER_FILE);
                if (!Files.exists(tokFile)) {
                    throw new UserInputException(folder + " holds no " + TextCorpus.TOKENIZER_FILE + " and neither does "
                            + run);
                }
                return new Ready(folder, d, ByteBpeTokenizer.load(tokFile), cfg.train().seqLen());
            }, w -> out.println("WARNING: " + w));
            Decoder decoder = loaded.decoder();
            RoutingMode routing = RoutingMode.BATCH;
            AuxiliaryRouters aux = AuxiliaryRouters.of(decoder);
            if (!aux.isEmpty()) {
                // Expert choice or MoD: membership from the run's auxiliary routers, trained for this very checkpoint.
                aux.parameters().allocate(backend, 0);
                AuxiliaryRouterFiles.load(run, loaded.folder().getFileName().toString(), aux, backend);
                routing = RoutingMode.causal(aux);
            }
            ByteBpeTokenizer tok = loaded.tokenizer();
            int[] ids = tok.encode(prompt);
            if (ids.length == 0) {
                throw new UserInputException("--prompt must not be empty");
            }
            // Positions past the trained context were never seen in training: refuse rather than emit noise.
            if ((long) ids.length + maxTokens > loaded.context()) {
                throw new UserInputException("--max-tokens: the prompt (" + ids.length + " tokens) and " + maxTokens
                        + " new tokens exceed the " + loaded.context() + "-token context the model was trained on; ask"
                        + " for at most " + Math.max(0, loaded.context() - ids.length) + " new tokens");
            }
            out.print(prompt);
            TokenSampler sampler = new TokenSampler(temperature, topP, new SplittableRandom(seed));
            TextGenerator generator = new TextGenerator(decoder, backend, tok::decode, tok.specialId("<|eos|>"),
                    routing);
            Generation.flux(generator, ids, maxTokens, sampler).doOnNext(event -> {
                switch (event) {
                    case GenerationEvent.Token t -> {
                        out.print(t.textDelta());
                        out.flush();
                    }
                    case GenerationEvent.Finished f -> {
                        out.println();
                        out.printf("(%d tokens from %s)%n", f.generated(), loaded.folder());
                    }
                }
            }).blockLast();
            return 0;
        }
    }

    /**
     * Refuses, before any checkpoint is hashed, a model that cannot decode one token at a time and has no auxiliary
     * routers to make it causal: the run's model does not change between its checkpoints, so the newest one's config
     * says. An unreadable config is left to the checkpoint loop, which skips bad checkpoints loudly.
     */
    private void refuseNonCausal(Models models, Path newest) {
        RunConfig cfg;
        try {
            cfg = ConfigJson.read(newest.resolve("config.json"));
        } catch (RuntimeException | java.io.IOException e) {
            return;
        }
        String why = models.builder(cfg.model()).whyNotCausal(cfg.model());
        if (why != null && !AuxiliaryRouterFiles.present(run)) {
            throw new UserInputException(newest.resolve("config.json") + ": this " + cfg.model().kind()
                    + " model cannot generate token by token because " + why + ", and " + run + " holds no causal"
                    + " auxiliary routers (MoMa §3.2) to decide instead; train them with `fusion4j train-aux-routers"
                    + " --run " + run + "`");
        }
    }
}
