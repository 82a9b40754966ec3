package io.fusion4j.eval.cli;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.images.ImageTextDataset;
import io.fusion4j.eval.image.ImageGrid;
import io.fusion4j.eval.image.Png;
import io.fusion4j.moma.vq.Reconstruction;
import io.fusion4j.moma.vq.VqImageTokenizer;
import io.fusion4j.eval.data.ImageCodecs;
import io.fusion4j.transfusion.vae.VaeConfig;
import io.fusion4j.transfusion.vae.VaeImageTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code fusion4j tokenizer show}: validation images beside their reconstructions in one PNG, with MSE and code use. */
@Command(name = "show", description = "Write validation images beside their reconstructions through a trained"
        + " tokenizer to a PNG, and print the reconstruction error and code usage on them.")
final class TokenizerShowCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, description = "A folder with tokenizer.json and"
            + " tokenizer.safetensors (the --out of 'tokenizer train').")
    Path tokenizerDir;

    @Mixin
    TokenizerDatasetOptions dataset;

    @Option(names = "--n", defaultValue = "8", description = "Image pairs to show (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--out", defaultValue = "recon.png", description = "The PNG to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--scale", defaultValue = "3", description = "Pixels per image pixel (default: ${DEFAULT-VALUE}).")
    int scale;

    @Mixin
    BackendChoice backendChoice;

    @Override
    public Integer call() throws Exception {
        if (n < 1 || n > 256 || scale < 1 || scale > 16) {
            throw new UserInputException("--n must be in [1, 256] and --scale in [1, 16], found " + n + " and " + scale);
        }
        try (Backend backend = backendChoice.create()) {
            boolean vae = ImageCodecs.kind(tokenizerDir).equals(VaeConfig.KIND);
            VqImageTokenizer vq = vae ? null : VqImageTokenizer.load(tokenizerDir, backend);
            VaeImageTokenizer vaeTok = vae ? VaeImageTokenizer.load(tokenizerDir, backend, 1) : null;
            int channels = vae ? vaeTok.channels() : vq.channels();
            int side = vae ? vaeTok.side() : vq.side();
            ImageTextDataset data = dataset.open(channels == 3);
            List<Image> images = TokenizerTrainCommand.validationImages(data, n);
            if (!images.isEmpty() && (images.getFirst().channels() != channels
                    || images.getFirst().height() != side)) {
                Image f = images.getFirst();
                throw new UserInputException("--dataset " + dataset.name + " has " + f.channels() + "x" + f.height()
                        + "x" + f.width() + " images, but the tokenizer in " + tokenizerDir + " takes " + channels
                        + "x" + side + "x" + side);
            }
            Reconstruction r = vae ? null : Reconstruction.of(vq, images);
            List<Image> decoded = vae ? vaeTok.decodeAll(vaeTok.encodeAll(images)) : r.decoded();
            List<ImageGrid.Cell> cells = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                cells.add(new ImageGrid.Cell(images.get(i), "original"));
                cells.add(new ImageGrid.Cell(decoded.get(i), "decoded"));
            }
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Png.write(ImageGrid.render(cells, 8, scale, 1, data.attribution()), out);
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "wrote %d originals beside reconstructions to %s%n", images.size(), out);
            if (vae) {
                VaeConfig c = vaeTok.config();
                o.printf(Locale.ROOT, "recon MSE %.5f; VAE latent %dx%dx%d, shift %.4f, scale %.4f, range %.2f,"
                                + " KL weight %s%n", Reconstruction.mse(images, decoded), c.latentChannels(), c.grid(),
                        c.grid(), c.shift(), c.scale(), c.range(), c.klWeight());
            } else {
                o.printf(Locale.ROOT, "recon MSE %.5f, %d of %d codes used, perplexity %.1f (%d tokens per image)%n",
                        r.mse(), r.codesUsed(), vq.codebookSize(), r.perplexity(), vq.tokensPerImage());
            }
            return 0;
        }
    }
}
