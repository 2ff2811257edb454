"""5. Models: EasyOCR's pickled weights are checked before torch.load can see them,
and no engine reaches the network, when built or when used."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from phiscrub.ocr import EngineUnavailable
from tests.conftest import font

easy = pytest.importorskip("phiscrub.ocr.easy")


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Every way to open a connection or resolve a name raises (and is recorded)."""
    attempts: list[str] = []

    def refuse(what):
        def _refuse(*args, **kwargs):
            attempts.append(what)
            raise NetworkUsed(f"network use: {what}")

        return _refuse

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    return attempts


def _text_image() -> np.ndarray:
    im = Image.new("RGB", (360, 80), "white")
    ImageDraw.Draw(im).text((10, 20), "MRN 00482913", fill="black", font=font(32))
    return np.asarray(im)


def _weights_with_wrong_content(tmp_path: Path) -> Path:
    for name in easy.expected_weights():
        (tmp_path / name).write_bytes(b"not the published weights")
    return tmp_path


def test_easyocr_weights_that_do_not_match_are_never_unpickled(tmp_path: Path, monkeypatch) -> None:
    torch = pytest.importorskip("torch")

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load called on unverified weights")

    monkeypatch.setattr(torch, "load", forbidden)
    with pytest.raises(EngineUnavailable, match="md5"):
        easy.EasyOcrEngine(weights_dir=_weights_with_wrong_content(tmp_path))


def test_easyocr_checks_its_weights_before_building_the_reader(monkeypatch) -> None:
    import easyocr

    order: list[str] = []
    real_verify = easy.verify_weights

    def verify(path):
        order.append("verify")
        return real_verify(path)

    class Reader:
        def __init__(self, *args, **kwargs):
            order.append("reader")
            assert kwargs["download_enabled"] is False

    monkeypatch.setattr(easy, "verify_weights", verify)
    monkeypatch.setattr(easyocr, "Reader", Reader)
    easy.EasyOcrEngine()
    assert order == ["verify", "reader"]


def test_no_engine_reaches_the_network_when_built_or_used(no_network) -> None:
    """Every engine and detector is built fresh (not from a cache) with sockets
    refusing, then run on an image; none may even look a name up."""
    from phiscrub.codes import CodeDetector
    from phiscrub.faces import FaceDetector
    from phiscrub.ocr.rapid import RapidOcrEngine

    image = _text_image()
    engines = [RapidOcrEngine(), easy.EasyOcrEngine()]
    try:
        from phiscrub.ocr.tesseract import TesseractEngine

        engines.append(TesseractEngine())
    except EngineUnavailable:
        pass
    for engine in engines:
        lines = engine.read(image)
        assert any("00482913" in line.text for line in lines), engine.name
    FaceDetector().detect(image)
    CodeDetector().detect(image)
    assert no_network == []


def test_the_network_guard_itself_works(no_network) -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("example.org", 80), timeout=1)
    assert no_network == ["create_connection"]
