def test_home_page_renders_in_chinese(client, f):
    f.unit(name="青松区生态环境局", slug="sthj")
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "青松区生态环境局" in html
