"""Logical CPU devices: two or more replicas on a machine without GPUs."""


def split_cpu(count):
    """Splits the first physical CPU into `count` logical devices.

    `tf.distribute.MirroredStrategy` then runs one replica per logical
    device, which is how multi-device training is tested on a CPU-only
    machine. TensorFlow allows this only before it initialises its
    devices (before its first op), so call it first in the process.

    Args:
        count: the number of logical CPU devices (>= 1).

    Returns:
        The logical CPU device names.

    Example:

    ```python
    from keras_ar.distribute import split_cpu

    names = split_cpu(2)  # ['/device:CPU:0', '/device:CPU:1']
    ```
    """
    import tensorflow as tf

    from keras_ar.utils.validation import check_positive_int

    count = check_positive_int(count, "count")
    cpu = tf.config.list_physical_devices("CPU")[0]
    # Listing logical devices would start TensorFlow: look at the
    # configuration first.
    configured = tf.config.get_logical_device_configuration(cpu) or []
    if len(configured) != count:
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * count
            )
        except RuntimeError:
            pass  # already started: fine if it has `count` devices
    names = [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(names) != count:
        raise ValueError(
            f"Cannot split the CPU into {count} logical devices: TensorFlow "
            "has already initialised its devices in this process (with "
            f"{len(names)}). Split it first, in a fresh process. Received: "
            f"count={count}"
        )
    return names
