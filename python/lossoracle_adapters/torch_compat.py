"""What libraries written for torch >= 2 touch at import time and Debian's
torch 1.13.1 lacks. Only names that are never called by the losses certified
here are supplied; nothing of a library's computation is replaced.
"""

import torch
import torch.nn.functional as F


def supply_torch2_names():
    if not hasattr(F, "scaled_dot_product_attention"):

        def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
            """Stands in for torch >= 2.0's function so that unit_scaling imports.

            Args:
                query (Tensor): unused; calling this raises NotImplementedError.
            """
            raise NotImplementedError("scaled_dot_product_attention needs torch >= 2.0")

        # unit_scaling wraps it at import time (its docstring is parsed there).
        F.scaled_dot_product_attention = scaled_dot_product_attention
    import torch.optim.optimizer as optimizer

    if not hasattr(optimizer, "ParamsT"):
        optimizer.ParamsT = object  # a type alias in torch >= 2.2, used in annotations only


def torch_version():
    return torch.__version__
