package io.fusion4j.transfusion;

import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.moma.MomaConfig;

/**
 * A Transfusion model (kind {@value #KIND}): a {@code trunk} (any MoMa-family config: dense, or modality experts,
 * which gives a Transfusion-MoMa model neither paper shipped) that reads text ids and continuous image patches of
 * {@code patchWidth} floats each, trained with next-token loss on text and DDPM ε-prediction on the patches.
 *
 * @param trunk           embedding, blocks and LM head, as a MoMa-family decoder
 * @param patchWidth      floats per patch (k·k·C of the latent or pixel patch)
 * @param timeFeatures    sinusoidal features of the timestep, before its MLP (even)
 * @param timesteps       T, the training timesteps of the cosine schedule (Transfusion: 1000)
 * @param diffusionWeight λ in {@code L = L_LM + λ·L_DDPM} (Transfusion: 5)
 * @param noiseLimit      the largest t drawn for an image that comes before its caption (Transfusion: 500; T: off)
 * @param imageAttention  {@value #BIDIRECTIONAL} (Transfusion: an image's patches see each other) or {@value #CAUSAL}
 *                        (the paper's ablation, Table 5); absent in a config file means bidirectional

 * @param encoder         the patch encoder and decoder: {@code "linear"} (the default, also when absent from a file
 *                        written before the field existed) or {@code "unet"} ({@link UnetPatches})
 * @param patchSize       k, latent pixels per patch side (1, 2 or 4); the U-Net needs it to rebuild the latent grid
 *                        ({@code C = patchWidth / k²}); 0 (absent) for the linear encoder, which does not
 * @param unetChannels    the U-Net's channels at every level; 0 (absent) for the linear encoder
 */
public record TransfusionConfig(MomaConfig trunk, int patchWidth, int timeFeatures, int timesteps,
                                double diffusionWeight, int noiseLimit, String imageAttention, String encoder,
                                int patchSize, int unetChannels) implements ModelConfig {
    public static final String KIND = "transfusion";
    public static final String BIDIRECTIONAL = "bidirectional";
    public static final String CAUSAL = "causal";

    /** Transfusion's own model: the linear encoder, bidirectional attention inside each image. */
    public TransfusionConfig(MomaConfig trunk, int patchWidth, int timeFeatures, int timesteps,
                             double diffusionWeight, int noiseLimit) {
        this(trunk, patchWidth, timeFeatures, timesteps, diffusionWeight, noiseLimit, BIDIRECTIONAL);
    }

    /** The linear encoder with the given in-image attention. */
    public TransfusionConfig(MomaConfig trunk, int patchWidth, int timeFeatures, int timesteps,
                             double diffusionWeight, int noiseLimit, String imageAttention) {
        this(trunk, patchWidth, timeFeatures, timesteps, diffusionWeight, noiseLimit, imageAttention,
                PatchCodec.LINEAR, 0, 0);
    }

    public TransfusionConfig {
        if (imageAttention == null) {
            imageAttention = BIDIRECTIONAL;
        }
        if (!imageAttention.equals(BIDIRECTIONAL) && !imageAttention.equals(CAUSAL)) {
            throw new IllegalArgumentException("transfusion config: 'imageAttention' must be " + BIDIRECTIONAL + " or "
                    + CAUSAL + ", found '" + imageAttention + "'");
        }
        if (encoder == null) {
            encoder = PatchCodec.LINEAR;
        }
        if (!encoder.equals(PatchCodec.LINEAR) && !encoder.equals(PatchCodec.UNET)) {
            throw new IllegalArgumentException("transfusion config: 'encoder' must be \"linear\" or \"unet\", found \""
                    + encoder + "\"");
        }
        if (encoder.equals(PatchCodec.UNET)) {
            if (patchSize != 1 && patchSize != 2 && patchSize != 4) {
                throw new IllegalArgumentException("transfusion config: the unet encoder needs 'patchSize' 1, 2 or 4,"
                        + " found " + patchSize);
            }
            if (patchWidth % (patchSize * patchSize) != 0) {
                throw new IllegalArgumentException("transfusion config: 'patchWidth' must be patchSize² · channels"
                        + " for the unet encoder, found patchWidth " + patchWidth + " with patchSize " + patchSize);
            }
            if (unetChannels < 1) {
                throw new IllegalArgumentException("transfusion config: the unet encoder needs 'unetChannels' >= 1,"
                        + " found " + unetChannels);
            }
        } else if (patchSize < 0 || unetChannels < 0) {
            throw new IllegalArgumentException("transfusion config: 'patchSize' and 'unetChannels' must be >= 0, found "
                    + patchSize + " and " + unetChannels);
        }
        if (trunk == null) {
            throw new IllegalArgumentException("a transfusion config needs its 'trunk' (a moma-family config)");
        }
        if (patchWidth < 1) {
            throw new IllegalArgumentException("transfusion config: 'patchWidth' must be >= 1, found " + patchWidth);
        }
        if (timeFeatures < 2 || timeFeatures % 2 != 0) {
            throw new IllegalArgumentException("transfusion config: 'timeFeatures' must be even and >= 2, found "
                    + timeFeatures);
        }
        if (timesteps < 1) {
            throw new IllegalArgumentException("transfusion config: 'timesteps' must be >= 1, found " + timesteps);
        }
        if (!(diffusionWeight >= 0) || Double.isInfinite(diffusionWeight)) {
            throw new IllegalArgumentException("transfusion config: 'diffusionWeight' must be finite and >= 0, found "
                    + diffusionWeight);
        }
        if (noiseLimit < 1 || noiseLimit > timesteps) {
            throw new IllegalArgumentException("transfusion config: 'noiseLimit' must be in [1, timesteps=" + timesteps
                    + "], found " + noiseLimit);
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int vocab() {
        return trunk.vocab();
    }

    @Override
    public TransfusionConfig withVocab(int v) {
        return new TransfusionConfig(trunk.withVocab(v), patchWidth, timeFeatures, timesteps, diffusionWeight,
                noiseLimit, imageAttention, encoder, patchSize, unetChannels);
    }

    /** A copy for patches of another width (the data's patch size decides it). */
    public TransfusionConfig withPatchWidth(int w) {
        return new TransfusionConfig(trunk, w, timeFeatures, timesteps, diffusionWeight, noiseLimit, imageAttention,
                encoder, patchSize, unetChannels);
    }

    /**
     * A copy for the data's patches: {@code width} floats each, cut as {@code k × k} squares. The linear encoder
     * needs only the width; the U-Net also takes k, which fixes how it rebuilds the grid ({@code C = width / k²}).
     */
    public TransfusionConfig withPatches(int width, int k) {
        return encoder.equals(PatchCodec.UNET)
                ? new TransfusionConfig(trunk, width, timeFeatures, timesteps, diffusionWeight, noiseLimit, imageAttention,
                        encoder, k, unetChannels)
                : withPatchWidth(width);
    }

    /** A copy with the U-Net patch encoder of {@code k × k} patches and {@code channels} channels per level. */
    public TransfusionConfig withUnet(int k, int channels) {
        return new TransfusionConfig(trunk, patchWidth, timeFeatures, timesteps, diffusionWeight, noiseLimit,
                imageAttention, PatchCodec.UNET, k, channels);
    }

    /** Whether an image's patches attend to each other both ways. */
    public boolean bidirectionalImages() {
        return imageAttention.equals(BIDIRECTIONAL);
    }
}
