# The smallest Django project that runs the Channels tutorial's chat consumer under Daphne.
# BENCH_LAYER=memory (channels' InMemoryChannelLayer) or redis (channels_redis, BENCH_REDIS_URL).
import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["channels", "chat"]
DATABASES = {}
USE_TZ = True
ROOT_URLCONF = "benchsite.urls"
ASGI_APPLICATION = "benchsite.asgi.application"

if os.environ.get("BENCH_LAYER") == "redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["BENCH_REDIS_URL"]]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
