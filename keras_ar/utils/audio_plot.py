"""Waveform and spectrogram pictures of audio."""

import warnings

import numpy as np


def save_audio_plot(audio, sample_rate, path, titles=None):
    """Plots the waveform and spectrogram of one or more clips to a PNG.

    One row per clip: the waveform on the left, a log-magnitude
    spectrogram (matplotlib `specgram`, 256-point FFT) on the right. Needs
    matplotlib; returns `None` without writing when it is missing.

    Args:
        audio: a clip `(time,)` or `(time, 1)`, or a list / batch of clips,
            float in [-1, 1].
        sample_rate: samples per second (for the time and frequency axes).
        path: output PNG path.
        titles: optional title per clip.

    Returns:
        `path`, or `None` if matplotlib is not installed.

    Raises:
        ValueError: If a clip has under 8 samples or `sample_rate` is not
            positive.

    Example:

    >>> import numpy as np, tempfile, os
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(8000) / 8000)
    >>> out = os.path.join(tempfile.mkdtemp(), "tone.png")
    >>> save_audio_plot(tone, 8000, out) == out
    True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    if not sample_rate or sample_rate <= 0:
        raise ValueError(
            f"`sample_rate` must be positive. Received: {sample_rate!r}"
        )
    if isinstance(audio, np.ndarray) and audio.ndim <= 2:
        if audio.ndim == 1 or audio.shape[-1] == 1:
            audio = [audio]
    clips = [np.asarray(clip, "float64").reshape(-1) for clip in audio]
    for i, clip in enumerate(clips):
        if clip.size < 8:
            raise ValueError(
                f"Clip {i} has {clip.size} samples; at least 8 are needed "
                "for a spectrogram."
            )
    fig, axes = plt.subplots(
        len(clips), 2, figsize=(10, 2.2 * len(clips)), squeeze=False
    )
    for i, clip in enumerate(clips):
        time = np.arange(clip.size) / sample_rate
        wave, spec = axes[i]
        wave.plot(time, clip, linewidth=0.4)
        wave.set_xlim(0, time[-1])
        wave.set_ylim(-1.05, 1.05)
        wave.set_ylabel("amplitude")
        # About 4 FFT windows or more per clip, at most 256 points each.
        nfft = min(256, 2 ** max(2, int(np.log2(clip.size // 4))))
        with warnings.catch_warnings():
            # Clips under 16 samples give a single FFT window; that is fine.
            warnings.simplefilter("ignore", UserWarning)
            spec.specgram(
                clip,
                NFFT=nfft,
                Fs=sample_rate,
                noverlap=nfft // 2,
                cmap="magma",
            )
        spec.set_ylabel("Hz")
        if titles is not None:
            wave.set_title(str(titles[i]), fontsize=9)
    axes[-1][0].set_xlabel("seconds")
    axes[-1][1].set_xlabel("seconds")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
