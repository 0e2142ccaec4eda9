# The register's service, for docker-compose.yml: `relreg serve` on the Neo4j store.
# The image installs the wheel built from the source, as pip users get it, not the source
# folder itself: what runs here is what tests/test_wheel.py tests.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
    && useradd --create-home relreg && mkdir /data && chown relreg /data
USER relreg
ENV RELREG_DATA=/data
EXPOSE 8000
CMD ["relreg", "serve", "--host", "0.0.0.0", "--port", "8000"]
